"""One scheduler for a warm-up and its decay: the right lr on any dataset size and any run
length, where mmengine's LinearLR + CosineAnnealingLR pair never warms up in a one-step
warm-up and cannot be built for a run shorter than its warm-up."""
import math

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.optim import CosineAnnealingLR, LinearLR
from mmengine.runner import Runner

from mmsaim.engine.schedulers import WarmupCosineAnnealingLR, WarmupPolyLR
from tests.helpers.toy_regression import Points, Regression

BASE_LR, START, ETA_MIN = 1.5e-3, 1e-3, 1e-5


class _RecordLr(Hook):

    def __init__(self):
        self.lrs = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.lrs.append(runner.optim_wrapper.get_lr()['lr'][0])


def _train(tmp_path, param_scheduler, batch_size, max_epochs):
    record = _RecordLr()
    Runner(model=Regression(), work_dir=str(tmp_path),
           train_dataloader=dict(dataset=Points(), batch_size=batch_size,
                                 sampler=dict(type='DefaultSampler', shuffle=False),
                                 collate_fn=dict(type='default_collate')),
           optim_wrapper=dict(optimizer=dict(type='AdamW', lr=BASE_LR)),
           param_scheduler=param_scheduler, custom_hooks=[record],
           train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
           default_hooks=dict(checkpoint=None), experiment_name=tmp_path.name).train()
    return record.lrs


def _cosine(step, warmup, length):
    progress = (step - warmup) / (length - warmup)
    return ETA_MIN + (BASE_LR - ETA_MIN) * (1 + math.cos(math.pi * progress)) / 2


DEMO_SCHEDULE = dict(type='WarmupCosineAnnealingLR', warmup=1, start_factor=START,
                     eta_min=ETA_MIN, by_epoch=True, convert_to_iter_based=True)


def test_one_iteration_per_epoch_reaches_the_peak_after_the_warm_up(tmp_path):
    """The demo's schedule on a folder with no more images than a batch."""
    lrs = _train(tmp_path, DEMO_SCHEDULE, batch_size=8, max_epochs=12)
    assert lrs[0] == pytest.approx(START * BASE_LR)
    assert lrs[1] == pytest.approx(BASE_LR)  # epoch 2: warmed up
    assert lrs[1:] == pytest.approx([_cosine(t, 1, 12) for t in range(1, 12)])


def test_mmengines_pair_never_warms_up_in_one_step(tmp_path):
    """What the scheduler replaces: the lr stays near start_factor * lr for the whole run."""
    lrs = _train(tmp_path, [
        dict(type='LinearLR', start_factor=START, by_epoch=True, begin=0, end=1,
             convert_to_iter_based=True),
        dict(type='CosineAnnealingLR', eta_min=ETA_MIN, by_epoch=True, begin=1,
             convert_to_iter_based=True)], batch_size=8, max_epochs=12)
    assert max(lrs) < ETA_MIN


@pytest.mark.parametrize('batch_size, max_epochs', [(4, 5), (2, 3), (8, 1)])
def test_the_lr_of_every_step_on_any_length(tmp_path, batch_size, max_epochs):
    steps_per_epoch = 8 // batch_size
    schedule = dict(DEMO_SCHEDULE, warmup=2)
    lrs = _train(tmp_path, schedule, batch_size, max_epochs)
    length = steps_per_epoch * max_epochs
    warmup = min(2 * steps_per_epoch, length - 1)
    expected = [BASE_LR * (START + (1 - START) * t / warmup) if t < warmup else
                _cosine(t, warmup, length) for t in range(length)]
    assert lrs == pytest.approx(expected)


def test_poly_decay_after_an_iteration_warm_up():
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=1.)
    scheduler = WarmupPolyLR(optimizer, warmup=2, start_factor=0.5, power=2., eta_min=0.1,
                             by_epoch=False, end=6)
    lrs = []
    for _ in range(6):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        scheduler.step()
    assert lrs == pytest.approx([0.5, 0.75, 1., 0.1 + 0.9 * 0.75**2, 0.1 + 0.9 * 0.25,
                                 0.1 + 0.9 * 0.25**2])


@pytest.mark.parametrize('kwargs', [dict(warmup=-1), dict(warmup=1, start_factor=0.)])
def test_settings_that_cannot_warm_up_are_refused(kwargs):
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.)
    with pytest.raises(ValueError, match='warmup='):
        WarmupCosineAnnealingLR(optimizer, end=10, **kwargs)
