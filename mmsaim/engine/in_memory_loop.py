"""An epoch loop over a dataset held in memory, for models trained through ``train_step``.

mmengine's Runner reads batches through a DataLoader; when the images already sit in one
tensor on the training device (a small dataset, crops made on the GPU), a batch is one
indexing and one crop, and this loop is all that is left: shuffle, ``model.train_step``
(the model's data preprocessor, its loss, the optim wrapper's update and autocast),
the parameter schedulers every iteration, and a log line every ``log_interval`` iterations.
It can stop at an epoch boundary and continue from a saved state, bit for bit.
"""
import io
import os
import time
from typing import Callable, Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper
from mmengine.registry import PARAM_SCHEDULERS

from ..runner import load_checkpoint_file, replace_file_atomically


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
                    log_interval: int = 50,
                    start_epoch: int = 0,
                    stop: Optional[Callable[[int], bool]] = None) -> dict:
    """Train ``model`` from epoch ``start_epoch`` to ``epochs`` over ``num_samples`` samples.

    Args:
        make_batch: (B, ) long CPU indices -> the ``data`` dict of ``model.train_step``
            (``inputs`` (B, C, H, W) on the model's device, ``data_samples``).
        generator: the CPU generator of the shuffle.
        start_epoch: epochs already done (a resumed run: the model, optim wrapper,
            schedulers and generators as :func:`load_training_state` left them).
        stop: called with the number of epochs done after each epoch but the last; ``True``
            ends training there.

    Returns:
        dict: ``epochs_done``, ``iters``, ``seconds`` and ``samples_per_second`` of this call,
        and ``losses``, the mean loss of each logged interval as ``[iteration, loss]`` pairs
        (iterations counted from the first epoch).
    """
    logger = logger or MMLogger.get_current_instance()
    batch_size = min(batch_size, num_samples)
    steps = iters_per_epoch(num_samples, batch_size)
    total = epochs * steps
    model.train()
    curve, running, count, it = [], 0., 0, start_epoch * steps
    start = time.perf_counter()
    epoch = start_epoch
    while epoch < epochs:
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
                rate = (it - start_epoch * steps) * batch_size / (time.perf_counter() - start)
                logger.info(f'epoch {epoch + 1}/{epochs} iter {it}/{total} loss {loss:.4f} '
                            f'lr {optim_wrapper.get_lr()["lr"][0]:.3e} {rate:.0f} samples/s')
        epoch += 1
        if epoch < epochs and stop is not None and stop(epoch):
            if count:  # the interval so far, so that no loss goes unlogged
                curve.append([it, float(running) / count])
            break
    seconds = time.perf_counter() - start
    iters = (epoch - start_epoch) * steps
    return dict(epochs_done=epoch, iters=iters, seconds=seconds,
                samples_per_second=iters * batch_size / seconds, losses=curve)


def save_training_state(path: str, epochs_done: int, model: nn.Module,
                        optim_wrapper: OptimWrapper, param_schedulers: Sequence,
                        generators: Dict[str, torch.Generator], extra: dict) -> None:
    """Everything :func:`train_in_memory` needs to continue after ``epochs_done`` epochs
    exactly as it would have: weights, optimizer, schedulers, the named generators and the
    global CPU and CUDA random states (a model may draw from them, e.g. an order or a mask)."""
    state = dict(
        epochs_done=epochs_done, model=model.state_dict(), optim_wrapper=optim_wrapper.state_dict(),
        param_schedulers=[s.state_dict() for s in param_schedulers],
        generators={k: g.get_state() for k, g in generators.items()},
        cpu_rng=torch.get_rng_state(),
        cuda_rng=torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        extra=extra)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    replace_file_atomically(path, buffer.getvalue())


def load_training_state(path: str, model: nn.Module, optim_wrapper: OptimWrapper,
                        param_schedulers: Sequence,
                        generators: Dict[str, torch.Generator]) -> dict:
    """Restore what :func:`save_training_state` wrote; returns ``epochs_done`` and ``extra``."""
    state = load_checkpoint_file(path, map_location='cpu')
    model.load_state_dict(state['model'])
    optim_wrapper.load_state_dict(state['optim_wrapper'])
    for scheduler, scheduler_state in zip(param_schedulers, state['param_schedulers']):
        scheduler.load_state_dict(scheduler_state)
    for name, generator in generators.items():
        generator.set_state(state['generators'][name])
    torch.set_rng_state(state['cpu_rng'])
    if state['cuda_rng']:
        torch.cuda.set_rng_state_all(state['cuda_rng'])
    return dict(epochs_done=state['epochs_done'], extra=state['extra'])
