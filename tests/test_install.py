"""Real installs. The wheel built from the source distribution, installed on its own, is a
complete package (configs and model index inside it, every model of the hub buildable, its
tools find its configs) and installs nothing but ``mmsaim``. The editable install of ``make
install`` (``tools/install.sh``) reads the source tree where it is. OpenMMLab's ``mim``
finds, searches, trains and tests with either."""
import glob
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests.helpers.model_index import index_models
from tests.helpers.tool_runs import ROOT, write_images

# What is not part of the source distribution (git-ignored or not shipped).
NOT_SHIPPED = ('.git', '.venv', '.wheelhouse', 'work_dirs', 'data', 'demo_data', 'build',
               'dist', '*.egg-info', '__pycache__', '.pytest_cache', '.mim')
FOLDER_CONFIG_NAME = 'saim_vit-tiny-p8_1xb32-coslr-12e_folder-64px.py'
SMALL_LOADERS = [f'{loader}.{key}' for loader in ('train_dataloader', 'test_dataloader')
                 for key in ('batch_size=2', 'num_workers=0', 'persistent_workers=False')]

pytestmark = pytest.mark.slow  # builds and installs the package


def run(args, **kwargs):
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def copy_source(dest):
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(*NOT_SHIPPED))


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """The sdist, the wheel built from it (as ``python -m build`` does), and the wheel
    installed with ``pip install --no-deps --target``."""
    tmp = tmp_path_factory.mktemp('install')
    source = tmp / 'source'
    copy_source(source)
    run([sys.executable, 'setup.py', '-q', 'sdist', '-d', tmp / 'sdist'], cwd=source)
    sdist, = glob.glob(str(tmp / 'sdist' / 'mmsaim-*.tar.gz'))
    pip = [sys.executable, '-m', 'pip', '--disable-pip-version-check']
    run([*pip, 'wheel', '-q', '--no-deps', '--no-build-isolation', '-w', tmp / 'wheel', sdist])
    wheel, = glob.glob(str(tmp / 'wheel' / 'mmsaim-*.whl'))
    run([*pip, 'install', '-q', '--no-deps', '--target', tmp / 'target', wheel])
    return wheel, tmp / 'target'


def run_installed(target, args, cwd):
    """``python -S args`` in ``cwd``: it sees the install ``target`` and the dependencies'
    site-packages, and neither the source tree nor its editable install (``-S`` skips the
    ``.pth`` files)."""
    path = os.pathsep.join([str(target), sysconfig.get_paths()['purelib']])
    return run([sys.executable, '-S', *args], cwd=cwd, env=dict(os.environ, PYTHONPATH=path))


@pytest.fixture(scope='module')
def editable(tmp_path_factory):
    """A copy of the source tree installed as ``make install`` installs it (``tools/install.sh``
    with ``pip install -e``), into a new environment that reads this one's packages: its
    interpreter, the source tree and its site-packages."""
    tmp = tmp_path_factory.mktemp('editable')
    copy_source(tmp / 'source')
    run([sys.executable, '-m', 'venv', '--without-pip', tmp / 'venv'])
    python = tmp / 'venv' / 'bin' / 'python'
    site = Path(run([python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
                     ]).strip())
    (site / 'dependencies.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')
    run(['bash', 'tools/install.sh', '--python', python], cwd=tmp / 'source',
        env=dict(os.environ, SKIP_TORCH='1'))  # from the source tree, as `make install`
    return python, tmp / 'source', site


def check_mim(python, site, tmp_path):
    """``mim search``, ``mim train`` and ``mim test`` of mmsaim with ``python(args)``, which
    sees mmsaim installed in ``site``."""
    out = python(['-m', 'mim', 'search', 'mmsaim'])
    assert out.count('config id: ') == len(index_models())
    assert 'config id: saim_vit-base-p16_8xb256-amp-coslr-300e_in1k' in out

    write_images(tmp_path / 'images', count=2)
    data = [f'{loader}.dataset.data_root={tmp_path / "images"}'
            for loader in ('train_dataloader', 'test_dataloader')]
    work = tmp_path / 'work'
    out = python(['-m', 'mim', 'train', 'mmsaim', FOLDER_CONFIG_NAME, '--work-dir', work,
                  '--cfg-options', 'train_cfg.max_epochs=1', *SMALL_LOADERS, *data])
    assert os.path.join(str(site), 'mmsaim', '.mim', 'tools', 'train.py') in out
    assert 'Training finished successfully' in out
    assert os.path.isfile(work / 'epoch_1.pth')

    out = python(['-m', 'mim', 'test', 'mmsaim', FOLDER_CONFIG_NAME, '--checkpoint',
                  work / 'epoch_1.pth', '--work-dir', work, '--cfg-options', *SMALL_LOADERS,
                  *data])
    assert os.path.join(str(site), 'mmsaim', '.mim', 'tools', 'test.py') in out
    assert 'Epoch(test) [1/1]' in out and 'mean/loss: ' in out


def test_the_wheel_holds_mmsaim_its_configs_and_model_index_only(installed):
    wheel, target = installed
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert {name.split('/')[0] for name in names} == {'mmsaim', 'mmsaim-0.1.0.dist-info'}
    for shipped in ('mmsaim/.mim/model-index.yml', 'mmsaim/.mim/configs/saim/metafile.yml',
                    'mmsaim/.mim/configs/mask_rcnn/metafile.yml',
                    'mmsaim/.mim/configs/upernet/README.md',
                    'mmsaim/.mim/configs/saim/_base_/models/saim_vit-base-p16.py',
                    'mmsaim/.mim/configs/mask_rcnn/'
                    'mask-rcnn_vit-base-p16-saim-pre_lsj-1024-32xb2-100e_coco.py',
                    'mmsaim/.mim/tools/train.py', 'mmsaim/.mim/tools/dist_train.sh',
                    'mmsaim/.mim/tools/slurm_test.sh'):
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
        assert names == {sorted(index_models())!r}, names
        with torch.device('meta'):  # built, not initialized: seconds for ViT-B and ViT-L
            for name in names:
                model = get_model(name)
                assert model._config.filename.startswith({str(target)!r})
        print('built', len(names))
    """)
    out = run_installed(target, ['-c', check], cwd=tmp_path)
    assert f'built {len(index_models())}' in out


def test_the_installed_tools_find_the_installed_configs(installed, tmp_path):
    _, target = installed
    tool = target / 'mmsaim' / '.mim' / 'tools' / 'analysis' / 'benchmark.py'
    check = textwrap.dedent(f"""
        import importlib.util
        import os
        spec = importlib.util.spec_from_file_location('benchmark', {str(tool)!r})
        benchmark = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(benchmark)
        assert benchmark.CONFIG.startswith({str(target)!r}), benchmark.CONFIG
        assert os.path.isfile(benchmark.CONFIG)
    """)
    run_installed(target, ['-c', check], cwd=tmp_path)


def test_mim_searches_trains_and_tests_with_the_installed_wheel(installed, tmp_path):
    _, target = installed
    check_mim(lambda args: run_installed(target, args, cwd=tmp_path), target, tmp_path)


def test_the_editable_install_reads_the_source_tree_where_it_is(editable, tmp_path):
    python, source, site = editable
    for name in ('configs', 'tools', 'model-index.yml'):  # links in the package, no copies
        link = source / 'mmsaim' / '.mim' / name
        assert link.is_symlink() and link.resolve() == source / name
    assert (site / 'mmsaim').is_symlink() and (site / 'mmsaim').resolve() == source / 'mmsaim'
    check = textwrap.dedent(f"""
        from mim.utils import get_installed_path
        from mmpretrain import list_models
        from mmpretrain.apis import ModelHub
        from mmsaim.paths import PROJECT_FILES, REPO_ROOT
        assert PROJECT_FILES == REPO_ROOT == {str(source)!r}, (PROJECT_FILES, REPO_ROOT)
        assert get_installed_path('mmsaim') == {str(site / 'mmsaim')!r}
        for name in list_models('*saim*'):
            assert ModelHub._models_dict[name].config.startswith({str(source / 'configs')!r})
    """)
    run([python, '-c', check], cwd=tmp_path)


def test_mim_searches_trains_and_tests_with_the_editable_install(editable, tmp_path):
    python, _, site = editable
    check_mim(lambda args: run([python, *args], cwd=tmp_path), site, tmp_path)


def test_pip_uninstall_removes_the_editable_install_and_leaves_the_source(editable, tmp_path):
    """Last in this file: it removes the editable install that the tests above use."""
    python, source, site = editable
    run([python, '-m', 'pip', 'uninstall', '-y', 'mmsaim'])
    assert not os.path.lexists(site / 'mmsaim')
    assert (source / 'mmsaim' / '__init__.py').is_file()
    # The environment still reads this one's site-packages (which may hold an mmsaim of its
    # own): what matters is that nothing leads to the uninstalled copy any more.
    found = run([python, '-c', 'import importlib.util as u; s = u.find_spec("mmsaim"); '
                 'print(s.origin if s else "")'], cwd=tmp_path).strip()
    assert not found.startswith((str(source), str(site))), found
