"""mmsaim: SAIM pretraining for OpenMMLab 2.0.

Importing ``mmsaim`` applies the stack fixes of :mod:`mmsaim.compat`, makes mmengine read
local checkpoints with :func:`mmsaim.runner.load_checkpoint_file` (which cannot run code),
registers the pretraining components, the in-memory datasets and the frozen-feature
evaluations in mmpretrain's registries (the generic training hooks and the batched collate
function in mmengine's) and its configs in mmpretrain's model hub
(``mmpretrain.list_models('*saim*')``).
The mmdet and mmseg components live in :mod:`mmsaim.det` and :mod:`mmsaim.seg` and are
imported only when a config asks for them.
"""
from . import compat

compat.apply_all()

from . import runner  # noqa: E402

runner.use_for_mmengine()

from . import datasets, engine, evaluation, models  # noqa: E402,F401  (register into mmpretrain)
from .model_index import register_model_index  # noqa: E402
from .version import __version__, version_info  # noqa: E402

register_model_index()

__all__ = ['__version__', 'version_info']
