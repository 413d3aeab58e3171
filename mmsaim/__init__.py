"""mmsaim: SAIM pretraining for OpenMMLab 2.0.

Importing ``mmsaim`` applies the stack fixes of :mod:`mmsaim.compat`, makes mmengine read
local checkpoints with :func:`mmsaim.runner.load_checkpoint_file` (which cannot run code),
and registers the pretraining components in mmpretrain's registries (the generic training
hooks in mmengine's). The mmdet and mmseg components live in :mod:`mmsaim.det` and
:mod:`mmsaim.seg` and are imported only when a config asks for them.
"""
from . import compat

compat.apply_all()

from . import runner  # noqa: E402

runner.use_for_mmengine()

from . import datasets, engine, models  # noqa: E402,F401  (register into mmpretrain)
from .version import __version__, version_info  # noqa: E402

__all__ = ['__version__', 'version_info']
