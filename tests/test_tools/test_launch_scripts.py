"""The launch scripts run the project's Python: ./.venv, else $PYTHON, else python."""
import os
import shutil
import subprocess

import pytest

from tests.helpers.tool_runs import ROOT

SCRIPTS = ('dist_train.sh', 'dist_test.sh', 'slurm_train.sh')


def stub(path, name):
    """An executable that prints its name and arguments instead of running anything."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho {name} "$@"\n')
    path.chmod(0o755)


@pytest.fixture
def repo(tmp_path):
    for script in (*SCRIPTS, 'project_python.sh'):
        (tmp_path / 'repo' / 'tools').mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(ROOT, 'tools', script), tmp_path / 'repo' / 'tools')
    stub(tmp_path / 'bin' / 'python', 'PATH_PYTHON')
    stub(tmp_path / 'bin' / 'srun', 'SRUN')  # slurm_train.sh hands its command to srun
    stub(tmp_path / 'own' / 'python', 'OWN_PYTHON')
    return tmp_path


def launch(repo, script, **env):
    env = dict(PATH=f'{repo / "bin"}:/usr/bin:/bin', **env)
    args = dict(dist_train='cfg.py 2', dist_test='cfg.py ckpt.pth 2',
                slurm_train='partition job cfg.py')[script.split('.')[0]].split()
    proc = subprocess.run(['bash', str(repo / 'repo' / 'tools' / script), *args],
                          capture_output=True, text=True, env=env, timeout=60)
    words = proc.stdout.split()
    # srun gets the interpreter as an argument; torchrun's interpreter runs (the stub).
    return words[words.index('-u') - 1] if words[0] == 'SRUN' else words[0]


@pytest.mark.slow
@pytest.mark.parametrize('script', ['dist_train.sh', 'dist_test.sh'])
def test_torchrun_scripts_run_the_project_python(repo, script):
    assert launch(repo, script) == 'PATH_PYTHON'
    assert launch(repo, script, PYTHON=str(repo / 'own' / 'python')) == 'OWN_PYTHON'
    stub(repo / 'repo' / '.venv' / 'bin' / 'python', 'VENV_PYTHON')
    assert launch(repo, script, PYTHON=str(repo / 'own' / 'python')) == 'VENV_PYTHON'


@pytest.mark.slow
def test_slurm_script_hands_srun_the_project_python(repo):
    assert launch(repo, 'slurm_train.sh') == 'python'
    own = str(repo / 'own' / 'python')
    assert launch(repo, 'slurm_train.sh', PYTHON=own) == own
    stub(repo / 'repo' / '.venv' / 'bin' / 'python', 'VENV_PYTHON')
    assert launch(repo, 'slurm_train.sh', PYTHON=own) == str(repo / 'repo' / '.venv/bin/python')
