"""Checkpoints that survive a kill, and a resume that continues the interrupted run."""
import errno
import glob
import json
import os.path as osp

import pytest

from mmsaim.engine.hooks import ResumableCheckpointHook
from mmsaim.fileio import read_checkpoint
from tests.helpers.tool_runs import run_train, write_images
from tests.helpers.training_faults import fault_config


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp('images')
    write_images(folder, count=8)  # batch 4: two iterations per epoch
    return folder


def per_iteration_losses(work_dir):
    """``{iteration: loss}`` from the newest run's scalars (logged every iteration)."""
    runs = sorted(glob.glob(osp.join(work_dir, '2*', 'vis_data', 'scalars.json')))
    with open(runs[-1]) as f:
        return {r['iter']: r['loss'] for r in map(json.loads, f) if 'loss' in r}


EVERY_ITERATION = ['default_hooks.logger.interval=1', 'log_processor.window_size=1']


@pytest.mark.slow
def test_kill_during_save_keeps_the_previous_checkpoint(tmp_path, images):
    """A run killed while writing a checkpoint keeps the one before; a bare ``--resume``
    finds it even without ``last_checkpoint`` (the newest complete checkpoint)."""
    work = tmp_path / 'work'
    options = ['train_cfg.max_epochs=3', 'default_hooks.checkpoint.max_keep_ckpts=1']
    killed = run_train(work, images, *options, check=False,
                       config=fault_config(tmp_path, dict(type='KillDuringSaveHook',
                                                          filename='epoch_2.pth')))
    assert killed.returncode == -9  # SIGKILL half-way through writing epoch_2
    assert (work / 'epoch_1.pth').is_file()  # not removed before epoch_2 was complete
    assert (work / 'last_checkpoint').read_text() == str(work / 'epoch_1.pth')
    assert not (work / 'epoch_2.pth').exists()
    (work / 'last_checkpoint').unlink()
    resumed = run_train(work, images, *options, extra=['--resume'])
    log = resumed.stdout + resumed.stderr
    assert f'resuming from {work / "epoch_1.pth"}' in log and 'resumed epoch: 1' in log
    assert read_checkpoint(str(work / 'epoch_3.pth'))['meta']['epoch'] == 3
    # No .tmp left; epoch_2 stays beside the last checkpoint, which no iteration followed to
    # show it good (max_keep_ckpts=1 keeps one confirmed checkpoint).
    assert sorted(p.name for p in work.glob('*.pth*')) == ['epoch_2.pth', 'epoch_3.pth']


@pytest.mark.slow
def test_resume_continues_with_the_same_losses(tmp_path, images):
    """Killed in the middle of epoch 2 and resumed from epoch 1, the run draws the same
    orders and crops as the uninterrupted one: per-iteration losses agree to 1e-6."""
    options = ['train_cfg.max_epochs=3', 'randomness.deterministic=True', *EVERY_ITERATION]
    run_train(tmp_path / 'straight', images, *options)
    expected = per_iteration_losses(tmp_path / 'straight')
    assert sorted(expected) == [1, 2, 3, 4, 5, 6]
    work = tmp_path / 'interrupted'
    killed = run_train(work, images, *options, check=False,
                       config=fault_config(tmp_path, dict(type='KillAtIterHook', iteration=3)))
    assert killed.returncode == -9 and not (work / 'epoch_2.pth').exists()
    run_train(work, images, *options, extra=['--resume'])
    resumed = per_iteration_losses(work)
    assert sorted(resumed) == [3, 4, 5, 6]
    for iteration, loss in resumed.items():
        assert loss == pytest.approx(expected[iteration], rel=0, abs=1e-6), iteration


def test_unknown_argument_is_refused_when_built():
    with pytest.raises(TypeError, match=r"unknown arguments \['max_keep_ckpt'\]"):
        ResumableCheckpointHook(interval=1, max_keep_ckpt=2)


def test_a_full_disk_names_the_checkpoint_and_leaves_nothing_behind(tmp_path, monkeypatch):
    """No space for epoch_2: one error naming the file and what to resume, no .tmp left, and
    the next resume (space freed) finishes the run."""
    from mmengine.fileio import LocalBackend
    from tests.test_runner.test_safe_runner import _runner
    put = LocalBackend.put

    def full_disk(backend, obj, filepath):
        if 'epoch_2' in str(filepath):
            with open(filepath, 'wb') as f:
                f.write(obj[:len(obj) // 3])
            raise OSError(errno.ENOSPC, 'No space left on device')
        return put(backend, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', full_disk)
    work = tmp_path / 'work'
    with pytest.raises(OSError, match=r'could not write the checkpoint .*epoch_2\.pth \(No space '
                       r'left on device\); free some space, then --resume continues from '
                       r'.*epoch_1\.pth'):
        _runner(work, max_epochs=3).train()
    assert sorted(p.name for p in work.glob('*.pth*')) == ['epoch_1.pth']
    monkeypatch.setattr(LocalBackend, 'put', put)
    runner = _runner(work, max_epochs=3, resume=True)
    runner.train()
    assert runner.epoch == 3
