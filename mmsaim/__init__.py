"""mmsaim: SAIM pretraining for OpenMMLab 2.0.

Importing ``mmsaim`` registers the pretraining components, the in-memory datasets and the
frozen-feature evaluations in mmpretrain's registries (the generic training hooks, the
batched collate function and :class:`mmsaim.runner.SafeRunner` in mmengine's), and its
configs in mmpretrain's model hub (``mmpretrain.list_models('*saim*')``). Outside its
registries it changes one thing: mmengine's ``CheckpointLoader`` reads every checkpoint,
from any source, as plain data (:mod:`mmsaim.fileio.checkpoint_sources`). The mmdet and
mmseg components live in :mod:`mmsaim.det` and :mod:`mmsaim.seg` and are imported only
when a config asks for them.
"""
from . import datasets, engine, evaluation, fileio, models, runner  # noqa: F401  (registrations)
from .model_index import register_model_index
from .version import __version__, version_info

fileio.register_checkpoint_sources()
register_model_index()

__all__ = ['__version__', 'version_info']
