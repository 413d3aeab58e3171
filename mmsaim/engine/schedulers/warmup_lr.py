"""A linear warm-up, then a decay to the end of training, in one scheduler."""
import math
from typing import List

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler
from mmengine.registry import PARAM_SCHEDULERS


class _LinearWarmupLR(LRSchedulerMixin, _ParamScheduler):
    """The lr of step t (0-based, counted from ``begin``) in closed form: a linear warm-up
    from ``start_factor * lr`` to ``lr`` over ``warmup`` steps, then :meth:`decay` from ``lr``
    to ``eta_min`` at ``end`` (the end of training, which the Runner fills in).

    mmengine's ``LinearLR`` followed by ``CosineAnnealingLR`` / ``PolyLR`` does the same in
    two schedulers, but a warm-up of one step never leaves ``start_factor`` (``LinearLR``
    spans ``end - begin - 1`` steps), the chained decay then starts from that value, and a
    run shorter than the warm-up fails to build the second scheduler (its ``begin`` is not
    before its ``end``). Here the warm-up is cut to the length of the run, and every value
    depends on the step alone.

    Args:
        optimizer: the optimizer (wrapper).
        warmup (int): warm-up length, in epochs with ``by_epoch`` (converted to iterations
            with ``convert_to_iter_based``), else iterations. 0: no warm-up.
        start_factor (float): the first step's lr over ``lr``. Defaults to 1e-3.
        eta_min (float): the lr at the end. Defaults to 0.
        begin, end, last_step, by_epoch, verbose: as for mmengine's schedulers.
    """

    def __init__(self, optimizer, warmup: int, start_factor: float = 1e-3,
                 eta_min: float = 0., begin: int = 0, end: int = INF, last_step: int = -1,
                 by_epoch: bool = True, verbose: bool = False):
        if warmup < 0 or not 0 < start_factor <= 1:
            raise ValueError(f'{type(self).__name__}: warmup={warmup!r} must be >= 0 and '
                             f'start_factor={start_factor!r} in (0, 1]')
        self.warmup, self.start_factor, self.eta_min = warmup, start_factor, eta_min
        super().__init__(optimizer, begin=begin, end=end, last_step=last_step,
                         by_epoch=by_epoch, verbose=verbose)

    @classmethod
    def build_iter_from_epoch(cls, *args, warmup: int, begin: int = 0, end: int = INF,
                              by_epoch: bool = True, epoch_length: int = None, **kwargs):
        """The iteration-based scheduler of an epoch-based config (``warmup``, ``begin`` and
        ``end`` times ``epoch_length``)."""
        if not by_epoch or not epoch_length:
            raise ValueError(f'{cls.__name__}: convert_to_iter_based needs by_epoch=True and '
                             'a training dataloader with at least one batch')
        return cls(*args, warmup=int(warmup * epoch_length), begin=int(begin * epoch_length),
                   end=end if end == INF else int(end * epoch_length), by_epoch=False,
                   **kwargs)

    def decay(self, progress: float) -> float:
        """The fraction of ``lr - eta_min`` left at ``progress`` in [0, 1] of the decay."""
        raise NotImplementedError

    def _get_value(self) -> List[float]:
        length = self.end - self.begin
        warmup = min(self.warmup, length - 1)
        t = self.last_step
        if t < warmup:
            factor = self.start_factor + (1 - self.start_factor) * t / warmup
            return [base * factor for base in self.base_values]
        progress = min(1., (t - warmup) / max(1, length - warmup))
        left = self.decay(progress)
        return [self.eta_min + (base - self.eta_min) * left for base in self.base_values]


@PARAM_SCHEDULERS.register_module()
class WarmupCosineAnnealingLR(_LinearWarmupLR):
    """A linear warm-up, then a cosine from ``lr`` to ``eta_min`` at the end of training:
    ``eta_min + (lr - eta_min) * (1 + cos(pi * p)) / 2`` at progress p. Replaces mmengine's
    ``LinearLR`` + ``CosineAnnealingLR`` (see :class:`_LinearWarmupLR`)::

        param_scheduler = dict(type='WarmupCosineAnnealingLR', warmup=1, start_factor=1e-3,
                               eta_min=1e-5, by_epoch=True, convert_to_iter_based=True)
    """

    def decay(self, progress: float) -> float:
        return (1 + math.cos(math.pi * progress)) / 2


@PARAM_SCHEDULERS.register_module()
class WarmupPolyLR(_LinearWarmupLR):
    """A linear warm-up, then ``eta_min + (lr - eta_min) * (1 - p) ** power`` at progress p
    (mmseg's recipe, mmengine's ``LinearLR`` + ``PolyLR``; see :class:`_LinearWarmupLR`).

    Args:
        power (float): Defaults to 1.
    """

    def __init__(self, optimizer, warmup: int, power: float = 1., **kwargs):
        self.power = power
        super().__init__(optimizer, warmup, **kwargs)

    def decay(self, progress: float) -> float:
        return (1 - progress)**self.power
