import math

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...runner import find_resumable_checkpoint


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Stop training at the first non-finite loss, before anything else is saved.

    Checks ``outputs['loss']`` after every ``interval`` training iterations and raises a
    ``FloatingPointError`` naming the iteration, the loss and the last complete checkpoint
    (which the run keeps: it stops before the checkpoint hook can save the diverged model).
    Registered in mmengine's ``HOOKS``:
    ``custom_hooks = [dict(type='FiniteLossHook')]``.

    Args:
        interval (int): iterations between checks. Defaults to 1.
    """
    priority = 'ABOVE_NORMAL'

    def __init__(self, interval: int = 1):
        self.interval = interval

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not outputs or 'loss' not in outputs or not self.every_n_train_iters(
                runner, self.interval):
            return
        loss = outputs['loss']
        loss = float(loss.detach() if isinstance(loss, torch.Tensor) else loss)
        if math.isfinite(loss):
            return
        last = find_resumable_checkpoint(runner.work_dir)
        kept = (f'the last good checkpoint, {last}, is kept: lower the learning rate or '
                f'check the data, then `--resume {last}`' if last else
                'no checkpoint had been saved yet')
        raise FloatingPointError(
            f'Training diverged: the loss is {loss} at iteration {runner.iter + 1} (epoch '
            f'{runner.epoch + 1}); stopped before saving, and {kept}.')
