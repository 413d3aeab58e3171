import math
import os.path as osp
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...fileio import find_resumable_checkpoint, replace_file_atomically

UNCONFIRMED = 'unconfirmed_checkpoint'  # set by ResumableCheckpointHook


def loss_value(outputs) -> Optional[float]:
    """The ``loss`` of an iteration's ``outputs`` as a float, or None without one."""
    loss = (outputs or {}).get('loss')
    if loss is None:
        return None
    return float(loss.detach() if isinstance(loss, torch.Tensor) else loss)


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Stop training at the first non-finite loss, before anything else is saved.

    Checks ``outputs['loss']`` after every ``interval`` training iterations and raises a
    ``FloatingPointError`` naming the iteration, the loss and the last good checkpoint: the
    newest from which training went on with a finite loss. A checkpoint saved just before the
    divergence (an update that blew up on the last iteration before a save) is not one;
    :class:`ResumableCheckpointHook` keeps the checkpoint before it until that is known, and
    ``last_checkpoint`` is pointed back at the good one, so a bare ``--resume`` takes it.
    Registered in mmengine's ``HOOKS``: ``custom_hooks = [dict(type='FiniteLossHook')]``.

    Args:
        interval (int): iterations between checks. Defaults to 1.
    """
    priority = 'ABOVE_NORMAL'  # before the checkpoint hook confirms or saves anything

    def __init__(self, interval: int = 1):
        self.interval = interval

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not self.every_n_train_iters(runner, self.interval):
            return
        loss = loss_value(outputs)
        if loss is None or math.isfinite(loss):
            return
        suspect = runner.message_hub.get_info(UNCONFIRMED)
        last = find_resumable_checkpoint(runner.work_dir, exclude=suspect)
        if last is not None and suspect is not None:
            replace_file_atomically(osp.join(runner.work_dir, 'last_checkpoint'), last.encode())
        kept = (f'the last good checkpoint, {last}, is kept: lower the learning rate or check '
                f'the data, then `--resume {last}`' if last else
                'no good checkpoint had been saved yet')
        diverged = (f'{suspect}, saved just before, holds the diverged model; ' if suspect
                    else '')
        raise FloatingPointError(
            f'Training diverged: the loss is {loss} at iteration {runner.iter + 1} (epoch '
            f'{runner.epoch + 1}); stopped before saving, {diverged}{kept}.')
