"""A diverged run stops at once and names the last good checkpoint: one from which training
went on with a finite loss, kept until that was known."""
import pytest
import torch

from tests.helpers.tool_runs import run_train, write_images
from tests.helpers.training_faults import fault_config


def _diverge(tmp_path, iteration, *options):
    write_images(tmp_path / 'images', count=8)  # batch 4: two iterations per epoch
    work = tmp_path / 'work'
    proc = run_train(work, tmp_path / 'images', 'train_cfg.max_epochs=3', *options, check=False,
                     config=fault_config(tmp_path, dict(type='DivergeAtIterHook',
                                                        iteration=iteration)))
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith('train.py: error: Training diverged: the loss is nan at '
                              f'iteration {iteration + 1} ')
    return work, message


def _finite(path):
    state = torch.load(path, weights_only=False)['state_dict']
    return all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())


@pytest.mark.slow
def test_divergence_within_an_epoch_keeps_the_last_checkpoint(tmp_path):
    work, message = _diverge(tmp_path, 3)  # the first update of epoch 2
    assert f'the last good checkpoint, {work / "epoch_1.pth"}, is kept' in message
    assert sorted(p.name for p in work.glob('*.pth')) == ['epoch_1.pth'] and _finite(
        work / 'epoch_1.pth')


@pytest.mark.slow
def test_divergence_on_the_last_iteration_of_an_epoch(tmp_path):
    """The diverged update is saved as epoch_2; epoch_1, which max_keep_ckpts=1 would have
    removed at that save, is kept until a finite loss confirms epoch_2, and it never is."""
    work, message = _diverge(tmp_path, 4, 'default_hooks.checkpoint.max_keep_ckpts=1')
    assert f'{work / "epoch_2.pth"}, saved just before, holds the diverged model' in message
    assert f'the last good checkpoint, {work / "epoch_1.pth"}, is kept' in message
    assert _finite(work / 'epoch_1.pth') and not _finite(work / 'epoch_2.pth')
    assert (work / 'last_checkpoint').read_text() == str(work / 'epoch_1.pth')


@pytest.mark.slow
def test_a_confirmed_checkpoint_lets_the_older_one_go(tmp_path):
    work, message = _diverge(tmp_path, 5, 'default_hooks.checkpoint.max_keep_ckpts=1')
    # epoch_2 was confirmed by iteration 5's finite loss, so epoch_1 went; the update of
    # iteration 5 diverged and iteration 6 stopped the run.
    assert f'the last good checkpoint, {work / "epoch_2.pth"}, is kept' in message
    assert sorted(p.name for p in work.glob('*.pth')) == ['epoch_2.pth']
