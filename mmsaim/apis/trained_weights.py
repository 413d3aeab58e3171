"""Load a checkpoint that must hold every weight of a model."""
from typing import Optional, Union

from mmengine.model import is_model_wrapper
from mmengine.runner import load_state_dict

from ..fileio import CheckpointError, read_checkpoint
from ..models.utils.pretrained_encoder import mismatches


def load_trained_weights(model, checkpoint: Union[str, dict], config: str,
                         name: Optional[str] = None) -> None:
    """Load a checkpoint that holds every weight of ``model`` with its shape.

    Used by ``tools/test.py`` and :func:`mmsaim.apis.init_model`: mmengine's non-strict
    ``load_from`` evaluates a model with random weights (mAP 0, exit 0) when given, say, a
    pretraining checkpoint.

    Args:
        checkpoint: a checkpoint file (or URL), or one read already with
            :func:`mmsaim.fileio.read_checkpoint`.
        config: the model's config, as messages name it.
        name: how messages name a checkpoint given as a dict.

    Raises:
        CheckpointError: the checkpoint lacks weights of the model or has other shapes (the
            message names them), or :func:`mmsaim.fileio.read_checkpoint` refuses the file.
    """
    model = model.module if is_model_wrapper(model) else model
    if isinstance(checkpoint, str):
        checkpoint, name = read_checkpoint(checkpoint, map_location='cpu'), checkpoint
    state = checkpoint.get('state_dict', checkpoint)
    missing, shapes = mismatches(model.state_dict(), state)
    if missing or shapes:
        held = sorted({k.split('.')[0] for k in state})
        raise CheckpointError(
            f'{name or "the checkpoint"} does not fit the model of {config}: {len(missing)} of its '
            f'{len(model.state_dict())} weights are missing (e.g. {missing[:2]}) and '
            f'{len(shapes)} have other shapes (e.g. {shapes[:2]}); the checkpoint holds '
            f'{held}. A SAIM pretraining checkpoint holds an encoder only: train this config '
            'from it (its init_cfg) and use the checkpoint that training writes.')
    load_state_dict(model, state, strict=True)
