"""mmsaim's configs in mmpretrain's model hub: ``mmpretrain.list_models('*saim*')`` and
``mmpretrain.get_model(name)`` find them once mmsaim is imported."""
import os.path as osp

from mmpretrain.apis import ModelHub

from .paths import REPO_ROOT

MODEL_INDEX = osp.join(REPO_ROOT, 'model-index.yml')


def register_model_index() -> None:
    """Register the repository's ``model-index.yml`` (``configs/saim/metafile.yml``) in
    mmpretrain's ``ModelHub``; ``import mmsaim`` does it, once.

    The configs are read from the source tree, where an editable install (what
    ``tools/install.sh`` does) leaves them. An install without the repository has no model
    index, and the hub then lists no mmsaim model.
    """
    if osp.isfile(MODEL_INDEX):
        ModelHub.register_model_index(MODEL_INDEX, config_prefix=REPO_ROOT)
