"""tools/train.py on the demo config: checkpoint, picture, resume, and the VisionTransformer load."""
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmpretrain.models import VisionTransformer
from PIL import Image

from tests.helpers.tool_runs import run_train, write_images


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """One epoch of the demo recipe on a folder of images, as the README shows."""
    tmp = tmp_path_factory.mktemp('demo')
    write_images(tmp / 'images' / 'a')
    work_dir = tmp / 'work'
    run_train(work_dir, tmp / 'images')
    return tmp / 'images', work_dir


@pytest.mark.slow
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


@pytest.mark.slow
def test_reconstruction_picture(trained):
    _, work_dir = trained
    picture = Image.open(work_dir / 'reconstruction.png')
    assert picture.format == 'PNG'
    width, height = picture.size
    assert width > 4 * 160 and height > 4 * 160  # 4 panels x 4 images, 160 px each at least
    # The same picture went through the runner's visualizer, to its local backend here.
    (drawn, ) = work_dir.glob('*/vis_data/vis_image/reconstruction_1.png')
    assert np.array_equal(np.asarray(Image.open(drawn).convert('RGB')),
                          np.asarray(picture.convert('RGB')))


@pytest.mark.slow
def test_resume_continues_from_checkpoint(trained):
    data, work_dir = trained
    proc = run_train(work_dir, data, 'train_cfg.max_epochs=2', extra=['--resume'])
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    ckpt = torch.load(work_dir / 'epoch_2.pth', map_location='cpu', weights_only=False)
    assert ckpt['meta']['epoch'] == 2


@pytest.mark.slow
def test_resume_from_missing_checkpoint(trained):
    data, work_dir = trained
    proc = run_train(work_dir, data, extra=['--resume', 'no_such.pth'], check=False)
    assert proc.returncode != 0 and 'no such checkpoint' in proc.stderr


@pytest.mark.slow
def test_loss_curve_command_of_the_docs(trained):
    """docs/demo.md draws the loss curve with mmpretrain's analyze_logs through mim."""
    _, work_dir = trained
    log = sorted(work_dir.glob('*/vis_data/scalars.json'))[0]  # the first run's (of several)
    out = work_dir / 'loss.png'
    proc = subprocess.run([osp.join(osp.dirname(sys.executable), 'mim'), 'run', 'mmpretrain',
                           'analyze_logs', 'plot_curve', str(log), '--keys', 'loss',
                           '--out', str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert Image.open(out).format == 'PNG'
