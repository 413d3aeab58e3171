"""What a checkpoint must hold for a run to continue from it, checked before anything is
restored: mmengine's ``Runner.resume`` sets its counters, seed, message hub, optimizer and
scheduler states from whatever the file holds."""
import numbers
from typing import List

from mmengine.logging import HistoryBuffer

from ..fileio import CheckpointError
from ..fileio.plain_data import shown

# What a parameter scheduler's state holds about how far it has got, not about its plan.
SCHEDULE_PROGRESS = ('last_step', '_global_step', '_last_value', '_get_value_called_within_step')


def _count(value) -> bool:
    return type(value) is int and value >= 0


def _step(value) -> bool:
    return type(value) is int and value >= -1


def _numbers(value) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)


PROGRESS_TYPES = {
    'last_step': (_step, 'an int >= -1'),
    '_global_step': (_step, 'an int >= -1'),
    '_last_value': (_numbers, 'a list of numbers'),
    '_get_value_called_within_step': (lambda v: type(v) is bool, 'true or false'),
}


def flat_scheduler_states(saved) -> list:
    """The scheduler states of a checkpoint (a list, or a dict of lists per optimizer)."""
    if isinstance(saved, dict):
        return [state for states in saved.values() for state in states]
    return list(saved) if isinstance(saved, (list, tuple)) else [saved]


def _plan(state) -> dict:
    return {k: v for k, v in state.items() if k not in SCHEDULE_PROGRESS} if isinstance(
        state, dict) else state


def same_plans(planned: List[dict], saved) -> bool:
    """Whether a checkpoint's scheduler states plan what the config's schedulers plan."""
    saved = flat_scheduler_states(saved)
    return len(saved) == len(planned) and all(
        _plan(a) == _plan(b) for a, b in zip(planned, saved))


def _refuse(filename: str, key: str, value, expected: str) -> CheckpointError:
    return CheckpointError(f'{filename}: {key} is {shown(repr(value))}, not {expected}; resume '
                           'from a checkpoint that training wrote')


def check_resumable(filename: str, checkpoint: dict, missing_weights: List[str],
                    planned: List[dict]) -> bool:
    """Refuse, naming the key, a checkpoint whose training state is missing or of the wrong
    type or range; returns whether its scheduler states plan what the config's schedulers
    (``planned``) plan, i.e. whether they may be loaded.

    Checked: ``meta.epoch`` and ``meta.iter`` (counts, ``iter >= epoch``), ``meta.seed``
    (an int or None), the message hub's three dicts of mmengine's types, the optimizer
    state's layout, that no weight of the model is missing (``missing_weights``: a run
    continues with all of them), and the progress of scheduler states that are to be loaded.
    """
    meta, hub = checkpoint.get('meta'), checkpoint.get('message_hub')
    if not (isinstance(meta, dict) and isinstance(hub, dict)):
        raise CheckpointError(
            f'{filename} is not a training checkpoint (it has no meta and message_hub to '
            'continue from); resume from a checkpoint that training wrote, or start from '
            'its weights with load_from')
    for key in ('epoch', 'iter'):
        if not _count(meta.get(key)):
            raise _refuse(filename, f'meta.{key}', meta.get(key), 'a count (an int >= 0)')
    if meta['iter'] < meta['epoch']:
        raise _refuse(filename, 'meta.iter', meta['iter'],
                      f'at least meta.epoch ({meta["epoch"]})')
    if meta.get('seed') is not None and type(meta['seed']) is not int:
        raise _refuse(filename, 'meta.seed', meta['seed'], 'an int')
    for key in ('log_scalars', 'runtime_info', 'resumed_keys'):
        if not isinstance(hub.get(key), dict):
            raise _refuse(filename, f'message_hub.{key}', hub.get(key), 'a dict')
    odd = next((k for k, v in hub['log_scalars'].items() if not isinstance(v, HistoryBuffer)),
               None)
    if odd is not None:
        raise _refuse(filename, f'message_hub.log_scalars.{shown(odd)}',
                      hub['log_scalars'][odd], 'an mmengine HistoryBuffer')
    optimizer = checkpoint.get('optimizer')
    if optimizer is not None and not (isinstance(optimizer, dict) and isinstance(
            optimizer.get('state'), dict) and isinstance(optimizer.get('param_groups'), list)):
        raise _refuse(filename, 'optimizer', optimizer,
                      'an optimizer state (a dict with state and param_groups)')
    if missing_weights:
        raise CheckpointError(
            f'{filename} lacks {len(missing_weights)} weights of the model (e.g. '
            f'{shown(sorted(missing_weights)[:3], limit=120)}), which a resumed run must continue from; '
            'resume from a checkpoint of this config, or start from its weights with '
            'load_from')
    if not same_plans(planned, checkpoint.get('param_schedulers')):
        return False
    for i, saved in enumerate(flat_scheduler_states(checkpoint['param_schedulers'])):
        for key, (valid, expected) in PROGRESS_TYPES.items():
            if key in saved and not valid(saved[key]):
                raise _refuse(filename, f'param_schedulers.{i}.{key}', saved[key], expected)
    return True
