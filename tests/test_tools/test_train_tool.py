"""tools/train.py on the demo config: checkpoint, picture, resume, and the VisionTransformer load."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmpretrain.models import VisionTransformer
from PIL import Image

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FOLDER = osp.join(ROOT, 'configs/saim/saim_vit-tiny-p8_1xb32-coslr-12e_folder-64px.py')


def write_images(folder, count=8, size=(80, 96)):
    """Photos stand-ins: smooth colour gradients with a bright disc, as JPEG files."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    yy, xx = np.mgrid[:size[0], :size[1]]
    for i in range(count):
        base = rng.uniform(0, 255, 3)
        img = base + 60 * np.sin(xx[..., None] / (8 + i) + rng.uniform(0, 6, 3))
        cy, cx = rng.integers(20, 60, 2)
        img[(yy - cy)**2 + (xx - cx)**2 < 150] = 250
        Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(folder / f'{i}.jpg')


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """One epoch of the demo recipe on a folder of images, as the README shows."""
    tmp = tmp_path_factory.mktemp('demo')
    write_images(tmp / 'images' / 'a')
    work_dir = tmp / 'work'
    run_train(work_dir, data=tmp / 'images')
    return tmp / 'images', work_dir


def run_train(work_dir, data, *extra, check=True):
    options = ['train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
               'train_dataloader.persistent_workers=False']
    args = [sys.executable, osp.join(ROOT, 'tools/train.py'), FOLDER, '--work-dir',
            str(work_dir), *extra]
    if '--cfg-options' not in extra:
        args += ['--cfg-options', 'train_cfg.max_epochs=1']
    proc = subprocess.run(args + options, cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=dict(os.environ, SAIM_DATA=str(data)))
    if check:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def test_checkpoint_loads_into_stock_vision_transformer(trained):
    _, work_dir = trained
    ckpt = work_dir / 'epoch_1.pth'
    assert ckpt.is_file()
    vit = VisionTransformer(
        arch=dict(embed_dims=192, num_layers=6, num_heads=3, feedforward_channels=768),
        img_size=64, patch_size=8,
        init_cfg=dict(type='Pretrained', checkpoint=str(ckpt), prefix='backbone.'))
    vit.init_weights()
    state = torch.load(ckpt, map_location='cpu', weights_only=False)['state_dict']
    encoder = {k[len('backbone.'):]: v for k, v in state.items() if k.startswith('backbone.')}
    missing = set(vit.state_dict()) - set(encoder)
    assert not missing
    for name, value in vit.state_dict().items():
        torch.testing.assert_close(value, encoder[name], rtol=0, atol=0)


def test_reconstruction_picture(trained):
    _, work_dir = trained
    picture = Image.open(work_dir / 'reconstruction.png')
    assert picture.format == 'PNG'
    width, height = picture.size
    assert width > 4 * 160 and height > 4 * 160  # 4 panels x 4 images, 160 px each at least


def test_resume_continues_from_checkpoint(trained):
    data, work_dir = trained
    proc = run_train(work_dir, data, '--resume', '--cfg-options', 'train_cfg.max_epochs=2')
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    ckpt = torch.load(work_dir / 'epoch_2.pth', map_location='cpu', weights_only=False)
    assert ckpt['meta']['epoch'] == 2


def test_resume_from_missing_checkpoint(trained):
    data, work_dir = trained
    proc = run_train(work_dir, data, '--resume', 'no_such.pth', check=False)
    assert proc.returncode != 0 and 'no such checkpoint' in proc.stderr


def test_corrupt_image_is_named(tmp_path):
    write_images(tmp_path / 'images', count=4)
    (tmp_path / 'images' / 'broken.jpg').write_bytes(b'not a jpeg')
    proc = run_train(tmp_path / 'work', tmp_path / 'images', check=False)
    assert proc.returncode != 0 and 'broken.jpg' in proc.stderr
