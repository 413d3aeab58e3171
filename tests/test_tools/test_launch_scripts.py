"""The launch scripts run the project's Python (./.venv, else $PYTHON, else python) on the
tool they launch, with its arguments and the launcher; dist_test.sh evaluates with two CPU
processes."""
import json
import os
import shutil
import subprocess

import pytest
import torch
from mmpretrain import get_model

from tests.helpers.tool_runs import (FOLDER_CONFIG, ROOT, data_options, free_port,
                                     loader_overrides, write_images)

# Each script's command line in these tests, and what it runs: the tool, its arguments.
LAUNCHES = {
    'dist_train.sh': ('cfg.py 2 --amp', 'train.py cfg.py --launcher pytorch --amp'),
    'dist_test.sh': ('cfg.py ckpt.pth 2 --out m.json',
                     'test.py cfg.py ckpt.pth --launcher pytorch --out m.json'),
    'slurm_train.sh': ('partition job cfg.py',
                       'tools/train.py cfg.py --work-dir=work_dirs/job --launcher=slurm'),
    'slurm_test.sh': ('partition job cfg.py ckpt.pth --out m.json',
                      'tools/test.py cfg.py ckpt.pth --launcher=slurm --out m.json'),
}
TORCHRUN_SCRIPTS = ['dist_train.sh', 'dist_test.sh']
SLURM_SCRIPTS = ['slurm_train.sh', 'slurm_test.sh']


def stub(path, name):
    """An executable that prints its name and arguments instead of running anything."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho {name} "$@"\n')
    path.chmod(0o755)


@pytest.fixture
def repo(tmp_path):
    (tmp_path / 'repo' / 'tools').mkdir(parents=True)
    for script in (*LAUNCHES, 'project_python.sh'):
        shutil.copy(os.path.join(ROOT, 'tools', script), tmp_path / 'repo' / 'tools')
    stub(tmp_path / 'bin' / 'python', 'PATH_PYTHON')
    stub(tmp_path / 'bin' / 'srun', 'SRUN')  # the slurm scripts hand their command to srun
    stub(tmp_path / 'own' / 'python', 'OWN_PYTHON')
    return tmp_path


def launch(repo, script, **env):
    """The stub's words: srun's arguments, or those of the interpreter torchrun runs."""
    env = dict(PATH=f'{repo / "bin"}:/usr/bin:/bin', **env)
    proc = subprocess.run(['bash', str(repo / 'repo' / 'tools' / script),
                           *LAUNCHES[script][0].split()],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def interpreter(words):
    # srun gets the interpreter as an argument; torchrun's interpreter runs (the stub).
    return words[words.index('-u') - 1] if words[0] == 'SRUN' else words[0]


@pytest.mark.slow
@pytest.mark.parametrize('script', TORCHRUN_SCRIPTS)
def test_torchrun_scripts_run_the_project_python(repo, script):
    assert interpreter(launch(repo, script)) == 'PATH_PYTHON'
    assert interpreter(launch(repo, script, PYTHON=str(repo / 'own' / 'python'))) == 'OWN_PYTHON'
    stub(repo / 'repo' / '.venv' / 'bin' / 'python', 'VENV_PYTHON')
    assert interpreter(launch(repo, script, PYTHON=str(repo / 'own' / 'python'))) == 'VENV_PYTHON'


@pytest.mark.slow
@pytest.mark.parametrize('script', SLURM_SCRIPTS)
def test_slurm_scripts_hand_srun_the_project_python(repo, script):
    assert interpreter(launch(repo, script)) == 'python'
    own = str(repo / 'own' / 'python')
    assert interpreter(launch(repo, script, PYTHON=own)) == own
    stub(repo / 'repo' / '.venv' / 'bin' / 'python', 'VENV_PYTHON')
    assert interpreter(launch(repo, script, PYTHON=own)) == str(repo / 'repo' / '.venv/bin/python')


@pytest.mark.slow
@pytest.mark.parametrize('script', sorted(LAUNCHES))
def test_scripts_run_their_tool_with_its_arguments(repo, script):
    words = launch(repo, script)
    tool = next(i for i, word in enumerate(words) if word.endswith('.py'))
    command = ' '.join(words[tool:]).replace(str(repo / 'repo' / 'tools') + '/', '')
    assert command == LAUNCHES[script][1]
    if script in SLURM_SCRIPTS:
        assert words[:3] == ['SRUN', '-p', 'partition'] and '--job-name=job' in words
    else:
        assert words[1:3] == ['-m', 'torch.distributed.run'] and '--nproc_per_node=2' in words


@pytest.mark.slow
def test_dist_test_evaluates_a_checkpoint_with_two_processes(tmp_path):
    write_images(tmp_path / 'images', count=4)
    checkpoint = tmp_path / 'saim.pth'
    model = get_model('saim_vit-tiny-p8_1xb32-coslr-12e_demo-64px')  # the folder config's
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    env = dict(os.environ, PORT=str(free_port()))
    proc = subprocess.run([
        'bash', 'tools/dist_test.sh', FOLDER_CONFIG, checkpoint, '2', '--work-dir',
        tmp_path / 'work', '--out', tmp_path / 'metrics.json', '--cfg-options',
        'test_dataloader.batch_size=1', *loader_overrides('test_dataloader'),
        *data_options(tmp_path / 'images', ['test_dataloader'])
    ], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'Epoch(test) [2/2]' in proc.stdout + proc.stderr  # 4 images, 2 per process
    assert json.loads((tmp_path / 'metrics.json').read_text())['mean/loss'] > 0
