"""The tools print no warning that asks nothing of the user: the OpenMMLab stack's notices
of its own deprecations stay out of ``--help`` and of a training run."""
import pytest

from tests.helpers.tool_runs import run_python, run_train, write_images


def warning_lines(proc):
    return [line for line in (proc.stdout + proc.stderr).splitlines()
            if 'warning' in line.lower()]


@pytest.mark.slow
def test_train_help_prints_no_warning():
    proc = run_python(['tools/train.py', '--help'])
    assert proc.returncode == 0 and 'usage: train.py' in proc.stdout
    assert warning_lines(proc) == []


@pytest.mark.slow
def test_a_short_training_run_prints_no_warning(tmp_path):
    write_images(tmp_path / 'images', count=4)
    proc = run_train(tmp_path / 'work', tmp_path / 'images')
    assert 'Saving checkpoint at 1 epochs' in proc.stdout + proc.stderr
    assert warning_lines(proc) == []
