"""A real install: the wheel built from the source distribution, installed on its own, is a
complete package (configs and model index inside it, every model of the hub buildable,
OpenMMLab's ``mim`` finds it) and installs nothing but ``mmsaim``."""
import glob
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile

import pytest

from tests.helpers.tool_runs import ROOT, write_images

# What is not part of the source distribution (git-ignored or not shipped).
NOT_SHIPPED = ('.git', '.venv', '.wheelhouse', 'work_dirs', 'data', 'demo_data', 'build',
               'dist', '*.egg-info', '__pycache__', '.pytest_cache')


pytestmark = pytest.mark.slow  # builds and installs the wheel


def run(args, **kwargs):
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """The sdist, the wheel built from it (as ``python -m build`` does), and the wheel
    installed with ``pip install --no-deps --target``."""
    tmp = tmp_path_factory.mktemp('install')
    source = tmp / 'source'
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SHIPPED))
    run([sys.executable, 'setup.py', '-q', 'sdist', '-d', tmp / 'sdist'], cwd=source)
    sdist, = glob.glob(str(tmp / 'sdist' / 'mmsaim-*.tar.gz'))
    pip = [sys.executable, '-m', 'pip', '--disable-pip-version-check']
    run([*pip, 'wheel', '-q', '--no-deps', '--no-build-isolation', '-w', tmp / 'wheel', sdist])
    wheel, = glob.glob(str(tmp / 'wheel' / 'mmsaim-*.whl'))
    run([*pip, 'install', '-q', '--no-deps', '--target', tmp / 'target', wheel])
    return wheel, tmp / 'target'


def run_installed(target, args, cwd, env=None):
    """``python -S args`` in ``cwd``: it sees the install ``target`` and the dependencies'
    site-packages, and neither the source tree nor its editable install (``-S`` skips the
    ``.pth`` files)."""
    path = os.pathsep.join([str(target), sysconfig.get_paths()['purelib']])
    env = dict(os.environ, PYTHONPATH=path, **(env or {}))
    return run([sys.executable, '-S', *args], cwd=cwd, env=env)


def test_the_wheel_holds_mmsaim_its_configs_and_model_index_only(installed):
    wheel, target = installed
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert {name.split('/')[0] for name in names} == {'mmsaim', 'mmsaim-0.1.0.dist-info'}
    for shipped in ('mmsaim/.mim/model-index.yml', 'mmsaim/.mim/configs/saim/metafile.yml',
                    'mmsaim/.mim/configs/saim/_base_/models/saim_vit-base-p16.py',
                    'mmsaim/.mim/configs/mask_rcnn/'
                    'mask-rcnn_vit-base-p16-saim-pre_lsj-1024-32xb2-100e_coco.py',
                    'mmsaim/.mim/tools/train.py', 'mmsaim/.mim/tools/dist_train.sh'):
        assert shipped in names
    assert sorted(os.listdir(target)) == ['mmsaim', 'mmsaim-0.1.0.dist-info']


def test_every_hub_model_builds_from_the_installed_configs(installed, tmp_path):
    _, target = installed
    check = textwrap.dedent(f"""
        import os
        import sys
        import torch
        import mmsaim
        from mmpretrain import get_model, list_models
        assert mmsaim.__file__.startswith({str(target)!r}), mmsaim.__file__
        assert {ROOT!r} not in [os.path.abspath(p) for p in sys.path if p], sys.path
        names = list_models('*saim*')
        assert len(names) == 21, names
        with torch.device('meta'):  # built, not initialized: seconds for ViT-B and ViT-L
            for name in names:
                model = get_model(name)
                assert model._config.filename.startswith({str(target)!r})
        print('built', len(names))
    """)
    out = run_installed(target, ['-c', check], cwd=tmp_path, env=dict(SAIM_DATA=str(tmp_path)))
    assert 'built 21' in out


def test_mim_search_and_mim_train_use_the_installed_package(installed, tmp_path):
    _, target = installed
    out = run_installed(target, ['-m', 'mim', 'search', 'mmsaim'], cwd=tmp_path)
    assert out.count('config id: ') == 21
    assert 'config id: saim_vit-base-p16_8xb256-amp-coslr-300e_in1k' in out

    write_images(tmp_path / 'images', count=2)
    out = run_installed(target, [
        '-m', 'mim', 'train', 'mmsaim', 'saim_vit-tiny-p8_1xb32-coslr-12e_folder-64px.py',
        '--work-dir', tmp_path / 'work', '--cfg-options', 'train_cfg.max_epochs=1',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False'
    ], cwd=tmp_path, env=dict(SAIM_DATA=str(tmp_path / 'images')))
    assert os.path.join(str(target), 'mmsaim', '.mim', 'tools', 'train.py') in out
    assert 'Training finished successfully' in out
    assert os.path.isfile(tmp_path / 'work' / 'epoch_1.pth')
