"""The in-memory loop: every sample once per epoch, the lr schedule per iteration, the log."""
import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.optim import build_optim_wrapper

from mmsaim.engine.in_memory_loop import (iters_per_epoch, train_in_memory,
                                          warmup_cosine_schedulers)


class Regression(BaseModel):
    """Least squares on (B, 2) inputs; the test records in ``seen`` the indices of each batch."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)
        self.seen = []

    def forward(self, inputs, data_samples=None, mode='loss'):
        return dict(loss=(self.fc(inputs).squeeze(1) - data_samples).pow(2).mean())


def test_epochs_schedule_and_statistics():
    model = Regression()
    optim_wrapper = build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=0.1)))
    x = torch.randn(40, 2)
    y = x @ torch.tensor([1., -2.]) + 0.5
    lrs = []

    def make_batch(index):
        model.seen.append(index)
        lrs.append(optim_wrapper.get_lr()['lr'][0])
        return dict(inputs=x[index], data_samples=y[index])

    steps = iters_per_epoch(40, 16)
    assert steps == 2  # the last 8 samples of an epoch are dropped
    schedulers = warmup_cosine_schedulers(optim_wrapper, 2, 3 * steps, eta_min=0.01)
    stats = train_in_memory(model, optim_wrapper, make_batch, 40, epochs=3, batch_size=16,
                            param_schedulers=schedulers,
                            generator=torch.Generator().manual_seed(0), log_interval=4)
    assert stats['iters'] == 6 and [it for it, _ in stats['losses']] == [4, 6]
    assert stats['losses'][-1][1] < stats['losses'][0][1]
    assert lrs[0] == pytest.approx(1e-4) and lrs[2] == pytest.approx(0.1)
    assert lrs[2] > lrs[3] > lrs[4] > lrs[5] > 0.01
    for epoch in range(3):  # no sample twice in an epoch
        seen = torch.cat(model.seen[2 * epoch:2 * epoch + 2])
        assert len(seen.unique()) == 32


def test_batch_larger_than_the_data_is_one_full_batch():
    model = Regression()
    optim_wrapper = build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=0.1)))
    x, y = torch.randn(5, 2), torch.randn(5)
    stats = train_in_memory(model, optim_wrapper,
                            lambda index: dict(inputs=x[index], data_samples=y[index]), 5,
                            epochs=2, batch_size=128)
    assert stats['iters'] == 2
