"""Load a checkpoint that must hold every weight of a model."""
from mmengine.model import is_model_wrapper
from mmengine.runner import load_state_dict

from ..runner.pretrained_encoder import mismatches
from ..runner import CheckpointError, load_checkpoint_file


def load_trained_weights(model, checkpoint: str, config: str) -> None:
    """Load a checkpoint that holds every weight of ``model`` with its shape.

    Used by ``tools/test.py`` and :func:`mmsaim.apis.init_model`: mmengine's non-strict
    ``load_from`` evaluates a model with random weights (mAP 0, exit 0) when given, say, a
    pretraining checkpoint.

    Raises:
        CheckpointError: the checkpoint lacks weights of the model or has other shapes (the
            message names them), or :func:`load_checkpoint_file` refuses the file.
    """
    model = model.module if is_model_wrapper(model) else model
    loaded = load_checkpoint_file(checkpoint, map_location='cpu')
    state = loaded.get('state_dict', loaded)
    missing, shapes = mismatches(model.state_dict(), state)
    if missing or shapes:
        held = sorted({k.split('.')[0] for k in state})
        raise CheckpointError(
            f'{checkpoint} does not fit the model of {config}: {len(missing)} of its '
            f'{len(model.state_dict())} weights are missing (e.g. {missing[:2]}) and '
            f'{len(shapes)} have other shapes (e.g. {shapes[:2]}); the checkpoint holds '
            f'{held}. A SAIM pretraining checkpoint holds an encoder only: train this config '
            'from it (its init_cfg) and use the checkpoint that training writes.')
    load_state_dict(model, state, strict=True)
