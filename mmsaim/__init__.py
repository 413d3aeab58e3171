"""mmsaim: SAIM pretraining for OpenMMLab 2.0.

Importing ``mmsaim`` registers the pretraining components, the in-memory datasets and the
frozen-feature evaluations in mmpretrain's registries (the generic training hooks, the
batched collate function and :class:`mmsaim.runner.SafeRunner` in mmengine's), and its
configs in mmpretrain's model hub (``mmpretrain.list_models('*saim*')``). The one change it
makes outside mmsaim is listed in :mod:`mmsaim.compat`. The mmdet and mmseg components live
in :mod:`mmsaim.det` and :mod:`mmsaim.seg` and are imported only when a config asks for them.
"""
from . import compat, datasets, engine, evaluation, models, runner  # noqa: F401  (registrations)
from .model_index import register_model_index
from .version import __version__, version_info

compat.apply_all()
register_model_index()

__all__ = ['__version__', 'version_info']
