"""Run the project's tools: as a user would (a subprocess in the repository root), or in
this process (no interpreter start-up) when only their result matters."""
import contextlib
import importlib.util
import io
import os
import os.path as osp
import runpy
import socket
import subprocess
import sys
from unittest import mock

import numpy as np
import pytest
from PIL import Image

from mmsaim.paths import REPO_ROOT

ROOT = REPO_ROOT
FOLDER_CONFIG = osp.join(ROOT, 'configs/saim/saim_vit-tiny-p8_1xb32-coslr-12e_folder-64px.py')
SMALL_LOADER = ['train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
                'train_dataloader.persistent_workers=False']


def write_images(folder, count=8, size=(80, 96)):
    """Photo stand-ins: smooth colour gradients with a bright disc, as JPEG files."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[:size[0], :size[1]]
    for i in range(count):
        base = rng.uniform(0, 255, 3)
        img = base + 60 * np.sin(xx[..., None] / (8 + i) + rng.uniform(0, 6, 3))
        cy, cx = rng.integers(20, 60, 2)
        img[(yy - cy)**2 + (xx - cx)**2 < 150] = 250
        Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(folder / f'{i}.jpg')


def free_port():
    """A TCP port of this machine that nothing listens on, for a distributed run."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_python(args, env=None, timeout=600):
    """``python args...`` in the repository root, with ``tests`` importable."""
    env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
    env['PYTHONPATH'] = os.pathsep.join(filter(None, [ROOT, env.get('PYTHONPATH')]))
    return subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env)


def run_tool(tool, *args):
    """``python tools/<tool> args...`` as a subprocess that must succeed; returns its output."""
    proc = run_python([osp.join('tools', tool), *args], timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def run_tool_in_process(tool, *args):
    """``python tools/<tool> args...`` in this process; raises what the tool raises."""
    path = osp.join(ROOT, 'tools', tool)
    with mock.patch.object(sys, 'argv', [path, *map(str, args)]):
        runpy.run_path(path, run_name='__main__')


def tool_error(tool, *args):
    """Run ``tools/<tool> args...`` in this process, which must stop with a user error:
    exit status 2 and one line ``<tool>: error: ...`` on stderr; returns that line."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), pytest.raises(SystemExit) as stopped:
        run_tool_in_process(tool, *args)
    lines = stderr.getvalue().strip().splitlines()
    assert stopped.value.code == 2 and lines, stderr.getvalue()[-2000:]
    assert lines[-1].startswith(f'{osp.basename(tool)}: error: '), lines[-3:]
    assert 'Traceback' not in stderr.getvalue()
    return lines[-1]


def import_tool(tool):
    """The module of ``tools/<tool>``, to call its functions."""
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(tool))[0], osp.join(ROOT, 'tools', tool))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def loader_overrides(*loaders):
    """``--cfg-options`` that load data in the main process."""
    return [f'{loader}.{key}' for loader in loaders
            for key in ('num_workers=0', 'persistent_workers=False')]


def data_options(folder, loaders=('train_dataloader', 'test_dataloader')):
    """``--cfg-options`` that point the folder config's ``loaders`` at ``folder``."""
    return [f'{loader}.dataset.data_root={folder}' for loader in loaders]


def run_train(work_dir, data, *options, config=FOLDER_CONFIG, extra=(), check=True):
    """``tools/train.py`` on ``config`` (the folder demo by default) with a small loader.

    ``data`` is the folder of images (given to the train and test loaders with
    ``--cfg-options``; None: the config's own, the bundled frames); ``options`` are further
    ``--cfg-options`` (one epoch unless they say otherwise); ``extra`` are further
    command-line arguments, such as ``--resume``.
    """
    options = list(options)
    if not any(o.startswith('train_cfg.max_epochs=') for o in options):
        options.append('train_cfg.max_epochs=1')
    if data is not None:
        options += data_options(data)
    proc = run_python(['tools/train.py', config, '--work-dir', work_dir, *extra,
                       '--cfg-options', *options, *SMALL_LOADER])
    if check:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc
