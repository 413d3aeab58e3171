"""Data pipeline components, registered in mmpretrain's ``TRANSFORMS``."""
from .transforms import *  # noqa: F401,F403
