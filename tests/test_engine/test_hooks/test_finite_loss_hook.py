"""A diverged run stops at once and keeps its last good checkpoint."""
import torch

from tests.helpers.tool_runs import run_train, write_images

from tests.helpers.training_faults import fault_config


def test_non_finite_loss_stops_before_the_next_save(tmp_path):
    write_images(tmp_path / 'images', count=8)
    work = tmp_path / 'work'
    proc = run_train(work, tmp_path / 'images', 'train_cfg.max_epochs=3', check=False,
                     config=fault_config(tmp_path, dict(type='DivergeAtIterHook', iteration=3)))
    assert proc.returncode != 0
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith('FloatingPointError: Training diverged: the loss is nan at '
                              'iteration 3 (epoch 2)')
    assert f'the last good checkpoint, {work / "epoch_1.pth"}, is kept' in message
    assert sorted(p.name for p in work.glob('*.pth')) == ['epoch_1.pth']
    state = torch.load(work / 'epoch_1.pth', weights_only=False)['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())
