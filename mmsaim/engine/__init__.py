from .hooks import *  # noqa: F401,F403
from .loss_test_loop import LossTestLoop  # noqa: F401
from .optimizers import SummarizedOptimWrapperConstructor  # noqa: F401
from .schedulers import WarmupCosineAnnealingLR, WarmupPolyLR  # noqa: F401
