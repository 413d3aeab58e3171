"""mmsaim's configs in mmpretrain's model hub: ``mmpretrain.list_models('*saim*')`` and
``mmpretrain.get_model(name)`` find them once mmsaim is imported."""
import os.path as osp

from mmengine.runner import CheckpointLoader
from mmpretrain.apis import ModelHub

from .paths import PROJECT_FILES

MODEL_INDEX = osp.join(PROJECT_FILES, 'model-index.yml')
# The Weights of every model in the index: none is published.
UNPUBLISHED = 'mmsaim-unpublished://'


def load_from_unpublished(filename: str, map_location=None):
    """The checkpoint loader of :data:`UNPUBLISHED` addresses (mmengine logs it as the
    ``unpublished`` backend): it says that the model has no published weights and how to
    make or convert them."""
    name = filename[len(UNPUBLISHED):]
    raise FileNotFoundError(
        f'No weights are published for {name}: pass pretrained=PATH with a checkpoint you '
        'made by training its config (tools/train.py CONFIG, then '
        'tools/model_converters/publish_model.py), or, for a SAIM config, converted from the '
        'public SAIM release (tools/model_converters/saim_to_mmsaim.py) or timm weights '
        '(tools/model_converters/timm_to_mmsaim.py); pretrained=False builds the model '
        'with random weights')


def register_model_index() -> None:
    """Register ``model-index.yml`` (the metafiles of ``configs/``) in mmpretrain's
    ``ModelHub`` and the loader of its unpublished weights in mmengine's
    ``CheckpointLoader``; ``import mmsaim`` does it, once.

    The index and the configs it names are read from the installed package
    (``mmsaim/.mim``) or, for an editable install, from the source tree.
    """
    ModelHub.register_model_index(MODEL_INDEX, config_prefix=PROJECT_FILES)
    CheckpointLoader.register_scheme(UNPUBLISHED, load_from_unpublished)
