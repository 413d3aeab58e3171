"""TimeLimitHook: training past the limit stops at the next epoch boundary with a checkpoint
there, even between the checkpoint hook's own saves, and a resume then ends where the
uninterrupted run ends."""
import itertools

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.runner import Runner

from mmsaim.datasets import BatchedTensorDataset


RUNS = itertools.count()  # one experiment (logger, visualizer) per run, even within a second


class TinyClassifier(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, inputs, data_samples=None, mode='loss'):
        labels = torch.cat([sample.gt_label for sample in data_samples])
        return dict(loss=F.cross_entropy(self.fc(inputs), labels))


def train(work_dir, minutes=None, resume_from=None):
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(24) % 2
    inputs = torch.randn(24, 2, generator=g) + 2 * labels[:, None]
    dataset = BatchedTensorDataset(inputs, labels, ['train'] * 24, ['a', 'b'])
    torch.manual_seed(0)
    runner = Runner(
        model=TinyClassifier(), work_dir=str(work_dir), experiment_name=f'run{next(RUNS)}',
        train_dataloader=dict(dataset=dataset, batch_size=8, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=True),
                              collate_fn=dict(type='batched_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        train_cfg=dict(by_epoch=True, max_epochs=4),
        default_hooks=dict(checkpoint=dict(type='ResumableCheckpointHook', interval=3)),
        custom_hooks=[] if minutes is None else [dict(type='TimeLimitHook', minutes=minutes)],
        randomness=dict(seed=0), resume=resume_from is not None, load_from=resume_from)
    runner.train()
    return runner


def test_stops_with_a_checkpoint_and_resumes_to_the_same_end(tmp_path):
    whole = train(tmp_path / 'whole')
    parts = tmp_path / 'parts'
    first = train(parts, minutes=0)  # past the limit at once: one epoch, then stop
    assert first.train_loop.epoch == 1 and (parts / 'epoch_1.pth').is_file()
    second = train(parts, minutes=0, resume_from=str(parts / 'epoch_1.pth'))
    assert second.train_loop.epoch == 2
    last = train(parts, minutes=60, resume_from=str(parts / 'epoch_2.pth'))
    assert last.train_loop.epoch == 4
    for name, value in whole.model.state_dict().items():
        torch.testing.assert_close(last.model.state_dict()[name], value, rtol=0, atol=0)


def test_no_stop_within_the_limit(tmp_path):
    assert train(tmp_path / 'run', minutes=60).train_loop.epoch == 4
