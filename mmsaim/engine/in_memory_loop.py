"""An epoch loop over a dataset held in memory, for models trained through ``train_step``.

mmengine's Runner reads batches through a DataLoader; when the images already sit in one
tensor on the training device (a small dataset, crops made on the GPU), a batch is one
indexing and one crop, and this loop is all that is left: shuffle, ``model.train_step``
(the model's data preprocessor, its loss, the optim wrapper's update and autocast),
the parameter schedulers every iteration, and a log line every ``log_interval`` iterations.
"""
import time
from typing import Callable, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper
from mmengine.registry import PARAM_SCHEDULERS


def warmup_cosine_schedulers(optim_wrapper: OptimWrapper, warmup_iters: int, total_iters: int,
                             eta_min: float = 0.) -> List:
    """mmengine's ``LinearLR`` (from 1e-3 of the lr) then ``CosineAnnealingLR``, per iteration."""
    schedulers = []
    if warmup_iters:
        schedulers.append(PARAM_SCHEDULERS.build(dict(
            type='LinearLR', optimizer=optim_wrapper, start_factor=1e-3, by_epoch=False,
            begin=0, end=warmup_iters)))
    schedulers.append(PARAM_SCHEDULERS.build(dict(
        type='CosineAnnealingLR', optimizer=optim_wrapper, T_max=total_iters - warmup_iters,
        eta_min=eta_min, by_epoch=False, begin=warmup_iters, end=total_iters)))
    return schedulers


def iters_per_epoch(num_samples: int, batch_size: int) -> int:
    """Full batches per epoch (the last partial batch is dropped), at least one."""
    return max(1, num_samples // batch_size)


def train_in_memory(model: nn.Module,
                    optim_wrapper: OptimWrapper,
                    make_batch: Callable[[torch.Tensor], dict],
                    num_samples: int,
                    epochs: int,
                    batch_size: int,
                    param_schedulers: Sequence = (),
                    generator: Optional[torch.Generator] = None,
                    logger: Optional[MMLogger] = None,
                    log_interval: int = 50) -> dict:
    """Train ``model`` for ``epochs`` passes over ``num_samples`` samples.

    Args:
        make_batch: (B, ) long CPU indices -> the ``data`` dict of ``model.train_step``
            (``inputs`` (B, C, H, W) on the model's device, ``data_samples``).
        generator: the CPU generator of the shuffle.

    Returns:
        dict: ``iters``, ``seconds``, ``samples_per_second`` and ``losses``, the mean loss of
        each logged interval as ``[iteration, loss]`` pairs.
    """
    logger = logger or MMLogger.get_current_instance()
    batch_size = min(batch_size, num_samples)
    steps = iters_per_epoch(num_samples, batch_size)
    total = epochs * steps
    model.train()
    curve, running, count, it = [], 0., 0, 0
    start = time.perf_counter()
    for epoch in range(epochs):
        order = torch.randperm(num_samples, generator=generator)
        for step in range(steps):
            log_vars = model.train_step(
                make_batch(order[step * batch_size:(step + 1) * batch_size]), optim_wrapper)
            for scheduler in param_schedulers:
                scheduler.step()
            running = running + log_vars['loss'].detach()
            count += 1
            it += 1
            if it % log_interval == 0 or it == total:
                loss = float(running) / count  # the only host sync of the interval
                curve.append([it, loss])
                running, count = 0., 0
                rate = it * batch_size / (time.perf_counter() - start)
                logger.info(f'epoch {epoch + 1}/{epochs} iter {it}/{total} loss {loss:.4f} '
                            f'lr {optim_wrapper.get_lr()["lr"][0]:.3e} {rate:.0f} samples/s')
    seconds = time.perf_counter() - start
    return dict(iters=total, seconds=seconds, samples_per_second=total * batch_size / seconds,
                losses=curve)
