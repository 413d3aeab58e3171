"""SafeRunner: a checkpoint's text is never run, what a resume restores is checked first,
its scheduler states are never trusted, a longer run follows its new schedule, and earlier
checkpoints are never written over."""
import math
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmsaim.fileio import CheckpointError
from mmsaim.runner import SafeRunner, WorkDirInUseError
from tests.helpers.crafted_checkpoints import write_payload
from tests.helpers.tool_runs import free_port
from tests.helpers.toy_regression import Points, Regression


class _RecordLr(Hook):
    """The learning rate each training iteration runs with, by iteration."""

    def __init__(self):
        self.lrs = {}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.lrs[runner.iter] = runner.optim_wrapper.get_lr()['lr'][0]


def _runner(work_dir, max_epochs, runner_class=SafeRunner, max_keep_ckpts=-1, **kwargs):
    return runner_class(
        model=Regression(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=Points(), batch_size=4,
                              sampler=dict(type='DefaultSampler', shuffle=True),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
                 convert_to_iter_based=True),
            dict(type='CosineAnnealingLR', eta_min=1e-3, by_epoch=True, begin=1,
                 convert_to_iter_based=True),
        ],
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='ResumableCheckpointHook', interval=1,
                                           max_keep_ckpts=max_keep_ckpts)),
        randomness=dict(seed=0), experiment_name=f'{work_dir}-{max_epochs}', **kwargs)


def test_a_longer_run_follows_the_schedule_of_its_new_length(tmp_path):
    straight = _RecordLr()
    _runner(tmp_path / 'straight', max_epochs=5, custom_hooks=[straight]).train()
    _runner(tmp_path / 'extended', max_epochs=2).train()
    extended = _RecordLr()
    runner = _runner(tmp_path / 'extended', max_epochs=5, custom_hooks=[extended], resume=True)
    runner.train()
    assert sorted(extended.lrs) == [4, 5, 6, 7, 8, 9]  # epochs 3 to 5, two iterations each
    for iteration, lr in extended.lrs.items():
        assert lr == pytest.approx(straight.lrs[iteration], rel=1e-9), iteration
    # The old schedule's state would have kept the lr at its end value, eta_min.
    assert extended.lrs[4] > 10 * 1e-3


def test_resuming_with_the_same_schedule_keeps_its_state(tmp_path):
    straight = _RecordLr()
    _runner(tmp_path / 'straight', max_epochs=3, custom_hooks=[straight]).train()
    _runner(tmp_path / 'work', max_epochs=3).train()
    (tmp_path / 'work' / 'epoch_3.pth').unlink()
    (tmp_path / 'work' / 'last_checkpoint').unlink()
    resumed = _RecordLr()
    _runner(tmp_path / 'work', max_epochs=3, custom_hooks=[resumed], resume=True).train()
    assert sorted(resumed.lrs) == [4, 5]
    assert all(lr == straight.lrs[i] for i, lr in resumed.lrs.items())


def test_config_text_in_a_checkpoint_is_never_run(tmp_path):
    """mmengine's Runner.resume executes meta['config']; once mmsaim is imported the loader
    drops it, so neither runner runs it (a bare mmengine does: test_plain_data)."""
    _runner(tmp_path / 'work', max_epochs=2).train()
    checkpoint = torch.load(tmp_path / 'work' / 'epoch_2.pth', weights_only=False)
    marker = tmp_path / 'pwned'
    checkpoint['meta']['config'] = f'open({str(marker)!r}, "w").write("pwned")\n'
    torch.save(checkpoint, tmp_path / 'evil.pth')
    for runner_class in (SafeRunner, Runner):
        work_dir = tmp_path / runner_class.__name__
        _runner(work_dir, max_epochs=3, runner_class=runner_class, resume=True,
                load_from=str(tmp_path / 'evil.pth')).train()
        assert not marker.exists(), runner_class


def test_planted_scheduler_state_never_reaches_the_schedulers(tmp_path):
    _runner(tmp_path / 'work', max_epochs=2).train()
    checkpoint = torch.load(tmp_path / 'work' / 'epoch_2.pth', weights_only=False)
    checkpoint['param_schedulers'][0]['step'] = 'not a method'  # __dict__.update would set it
    torch.save(checkpoint, tmp_path / 'planted.pth')
    runner = _runner(tmp_path / 'resumed', max_epochs=3, resume=True,
                     load_from=str(tmp_path / 'planted.pth'))
    runner.train()
    assert all(callable(s.step) for s in runner.param_schedulers)
    assert runner.epoch == 3


def _edited(checkpoint, key, value):
    """``checkpoint`` with the entry at dotted ``key`` set to ``value`` (or removed, for
    ``REMOVED``)."""
    *path, last = key.split('.')
    node = checkpoint
    for part in path:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is REMOVED:
        del node[last]
    else:
        node[last] = value
    return checkpoint


REMOVED = object()
# (key, value, what the refusal says)
UNRESUMABLE = [
    ('meta.epoch', '2', r"meta\.epoch is '2', not a count"),
    ('meta.epoch', -5, r'meta\.epoch is -5, not a count'),
    ('meta.iter', 1, r'meta\.iter is 1, not at least meta\.epoch \(2\)'),
    ('meta.seed', 'abc', r"meta\.seed is 'abc', not an int"),
    ('param_schedulers.0.last_step', 'x', r"param_schedulers\.0\.last_step is 'x'"),
    ('param_schedulers.1._last_value', ['fast'], r'param_schedulers\.1\._last_value'),
    ('message_hub.log_scalars', [], r'message_hub\.log_scalars is \[\], not a dict'),
    ('optimizer', 'adam', r"optimizer is 'adam', not an optimizer state"),
    ('random_states.torch', torch.zeros(3, dtype=torch.uint8),
     r'random_states\.torch is not a torch random state'),
    ('random_states.numpy', ('MT19937', 'x'), r'random_states\.numpy is not a numpy random'),
    ('random_states.python', (3, (1, 2), None), r'random_states\.python is not a python'),
    ('state_dict.linear.bias', REMOVED, r"lacks 1 weights of the model \(e\.g\. "
                                         r"\['linear\.bias'\]\)"),
]


@pytest.fixture(scope='module')
def finished(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('finished')
    _runner(work_dir, max_epochs=2).train()
    return work_dir / 'epoch_2.pth'


@pytest.mark.parametrize('key, value, refusal', UNRESUMABLE,
                         ids=[f'{k}={v!r:.12}' for k, v, _ in UNRESUMABLE])
def test_resume_checks_what_it_restores(finished, tmp_path, key, value, refusal):
    checkpoint = torch.load(finished, weights_only=False)
    if key == 'state_dict.linear.bias':
        del checkpoint['state_dict']['linear.bias']
    else:
        _edited(checkpoint, key, value)
    torch.save(checkpoint, tmp_path / 'odd.pth')
    # The finished run's length: its scheduler states are loaded, so their progress checked.
    runner = _runner(tmp_path / 'resumed', max_epochs=2, resume=True,
                     load_from=str(tmp_path / 'odd.pth'))
    with pytest.raises(CheckpointError, match=refusal):
        runner.train()
    assert not list((tmp_path / 'resumed').glob('epoch_*'))


def test_training_into_earlier_checkpoints_is_refused(tmp_path):
    _runner(tmp_path / 'work', max_epochs=2).train()
    before = (tmp_path / 'work' / 'epoch_2.pth').read_bytes()
    with pytest.raises(WorkDirInUseError, match=r'epoch_2\.pth.*--resume.*fresh --work-dir'):
        _runner(tmp_path / 'work', max_epochs=2).train()
    with pytest.raises(WorkDirInUseError):  # a fine-tune from a checkpoint, into the same dir
        _runner(tmp_path / 'work', max_epochs=2,
                load_from=str(tmp_path / 'work' / 'epoch_2.pth')).train()
    assert (tmp_path / 'work' / 'epoch_2.pth').read_bytes() == before
    _runner(tmp_path / 'work', max_epochs=3, resume=True).train()
    assert (tmp_path / 'work' / 'epoch_3.pth').is_file()


def test_resuming_another_runs_checkpoint_into_a_used_work_dir_is_refused(tmp_path):
    _runner(tmp_path / 'a', max_epochs=3).train()
    _runner(tmp_path / 'b', max_epochs=2).train()
    before = {p.name: p.read_bytes() for p in (tmp_path / 'a').glob('epoch_*.pth')}
    runner = _runner(tmp_path / 'a', max_epochs=3, resume=True,
                     load_from=str(tmp_path / 'b' / 'epoch_1.pth'))
    with pytest.raises(WorkDirInUseError, match=r'holds the checkpoints of another run'):
        runner.train()
    assert {p.name: p.read_bytes() for p in (tmp_path / 'a').glob('epoch_*.pth')} == before
    # Its own earlier checkpoint (going back after a divergence) is the same run: allowed.
    runner = _runner(tmp_path / 'a', max_epochs=2, resume=True,
                     load_from=str(tmp_path / 'a' / 'epoch_1.pth'))
    runner.train()
    assert runner.epoch == 2


def test_a_copied_work_dir_resumes_from_its_own_checkpoints(tmp_path):
    _runner(tmp_path / 'original', max_epochs=2).train()
    shutil.copytree(tmp_path / 'original', tmp_path / 'copy')
    (tmp_path / 'original' / 'epoch_2.pth').unlink()  # the original's newest is gone
    runner = _runner(tmp_path / 'copy', max_epochs=3, resume=True)
    runner.train()
    assert runner.epoch == 3 and (tmp_path / 'copy' / 'epoch_3.pth').is_file()
    assert not (tmp_path / 'original' / 'epoch_3.pth').exists()


def test_max_keep_ckpts_counts_across_resumes(tmp_path):
    _runner(tmp_path / 'work', max_epochs=2, max_keep_ckpts=1).train()
    # A finished run keeps the one before its last: nothing confirmed the last.
    assert sorted(p.name for p in (tmp_path / 'work').glob('*.pth')) == [
        'epoch_1.pth', 'epoch_2.pth']
    _runner(tmp_path / 'work', max_epochs=4, max_keep_ckpts=1, resume=True).train()
    assert sorted(p.name for p in (tmp_path / 'work').glob('*.pth')) == [
        'epoch_3.pth', 'epoch_4.pth']


def test_payloads_on_resume_are_refused_without_side_effects(tmp_path):
    marker = tmp_path / 'pwned'
    for kind in ('object array from raw bytes', 'getattr chain', 'planted __deepcopy__'):
        path = write_payload(kind, tmp_path / f'{kind}.pth', marker)
        runner = _runner(tmp_path / kind, max_epochs=3, resume=True, load_from=path)
        with pytest.raises(CheckpointError, match=f'Refusing to load {path}'):
            runner.train()
        assert not marker.exists()


@pytest.mark.slow
def test_data_parallel_on_cpu_processes(tmp_path):
    """--launcher pytorch without CUDA: gloo, DDP without device ids, the same weights on
    every rank, and a process group destroyed before the interpreter shuts down."""
    assert not torch.cuda.is_available(), 'this test checks the CPU-only path'
    script = tmp_path / 'ddp.py'
    script.write_text(textwrap.dedent(f"""
        import atexit, os, sys
        sys.path.insert(0, {os.getcwd()!r})
        import torch, torch.distributed as dist
        from tests.test_runner.test_safe_runner import _runner

        @atexit.register  # registered first, so it runs after the runner's teardown
        def report_teardown():
            with open(f"{{sys.argv[1]}}/rank{{os.environ['RANK']}}_torn_down.txt", 'w') as f:
                f.write(str(not dist.is_initialized()))

        runner = _runner(sys.argv[1] + '/work', max_epochs=2, launcher='pytorch',
                         env_cfg=dict(dist_cfg=dict(backend='nccl')))
        runner.train()
        with open(f"{{sys.argv[1]}}/rank{{os.environ['RANK']}}.txt", 'w') as f:
            f.write(str(runner.model.module.linear.weight.tolist()))
        del runner
        """))
    proc = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
         '--master_port', str(free_port()), str(script), str(tmp_path)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'The nccl backend needs CUDA' in proc.stderr
    weights = [(tmp_path / f'rank{r}.txt').read_text() for r in (0, 1)]
    assert weights[0] == weights[1] and not math.isnan(eval(weights[0])[0][0])
    assert [(tmp_path / f'rank{r}_torn_down.txt').read_text() for r in (0, 1)] == ['True'] * 2
