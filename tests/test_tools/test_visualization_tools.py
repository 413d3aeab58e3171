"""tools/visualization: the completion strip, the attention maps and the reconstruction picture
of a checkpoint, as PNG files; bad input stops with one line naming the fix."""
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image

from mmsaim.apis import init_model
from tests.helpers.models import build_tiny_saim
from tests.helpers.tool_runs import ROOT, run_tool_in_process, tool_error, write_images

PIXEL = osp.join(ROOT, 'configs/saim/saim_vit-tiny-p8-pixel-target_1xb32-coslr-12e_demo-64px.py')
DEMO = osp.join(ROOT, 'configs/saim/saim_vit-tiny-p8_1xb32-coslr-12e_demo-64px.py')
TILE = 64 * 3 + 4  # 64 px images scaled to at least 160 px, and the gap


@pytest.fixture(scope='module')
def inputs(tmp_path_factory):
    """A pixel-target checkpoint of the demo shape (random weights), an image and a mask."""
    tmp = tmp_path_factory.mktemp('pictures')
    torch.manual_seed(0)
    torch.save({'state_dict': init_model(PIXEL).state_dict()}, tmp / 'pixel.pth')
    write_images(tmp, count=1)
    mask = np.full((96, 80), 255, np.uint8)
    mask[-12:] = 0  # the bottom row of patches is predicted
    Image.fromarray(mask).save(tmp / 'mask.png')
    return tmp


def test_complete_writes_the_strip(inputs):
    out = inputs / 'completion.png'
    run_tool_in_process('visualization/complete.py', PIXEL, inputs / 'pixel.pth',
                        inputs / '0.jpg', '--keep', '0.875', '--order', 'center-out',
                        '--frames', '3', '--out', out)
    assert Image.open(out).size[0] == 4 + 5 * TILE  # original, order, 3 frames
    run_tool_in_process('visualization/complete.py', PIXEL, inputs / 'pixel.pth',
                        inputs / '0.jpg', '--mask', inputs / 'mask.png', '--out', out)
    assert Image.open(out).size[0] == 4 + 8 * TILE  # 6 frames by default


@pytest.mark.parametrize('args,message', [
    (['--order', '0,1,2'], 'permutation of the 64 patch indices'),
    (['--keep', '2'], 'fraction of patches kept'),
    (['--mask', 'no_such_mask.png'], 'no such file: no_such_mask.png'),
])
def test_complete_names_bad_input(inputs, args, message):
    assert message in tool_error('visualization/complete.py', PIXEL, inputs / 'pixel.pth',
                                 inputs / '0.jpg', *args, '--out', inputs / 'x.png')


def test_complete_refuses_a_norm_pix_model(inputs, demo_saim_checkpoint):
    assert 'norm_pix=False' in tool_error('visualization/complete.py', DEMO,
                                          demo_saim_checkpoint, inputs / '0.jpg',
                                          '--out', inputs / 'x.png')


def test_attention_maps_writes_both_streams(inputs):
    out = inputs / 'attention.png'
    run_tool_in_process('visualization/attention_maps.py', PIXEL, inputs / 'pixel.pth',
                        inputs / '0.jpg', '--patches', '0', '36', '63', '--out', out)
    width, height = Image.open(out).size
    assert width == 4 + 4 * TILE and height > 3 * TILE  # image, order, content, query
    assert '--patches [64]: the image has 8x8 patches' in tool_error(
        'visualization/attention_maps.py', PIXEL, inputs / 'pixel.pth', inputs / '0.jpg',
        '--patches', '64', '--out', out)


def test_reconstruct_writes_the_picture(inputs, demo_saim_checkpoint):
    out = inputs / 'reconstruction.png'
    run_tool_in_process('visualization/reconstruct.py', DEMO, demo_saim_checkpoint,
                        inputs / '0.jpg', inputs / '0.jpg', '--out', out)
    assert Image.open(out).size[0] == 4 + 4 * TILE
    torch.save({'state_dict': build_tiny_saim().state_dict()}, inputs / 'tiny.pth')
    assert 'does not fit the model of' in tool_error(
        'visualization/reconstruct.py', DEMO, inputs / 'tiny.pth', inputs / '0.jpg',
        '--out', out)
