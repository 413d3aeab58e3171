"""``tools/test.py --show-dir DIR`` draws the predictions on every test image into DIR with
the config's visualization hook, as the test.py of the config's library does."""
import os.path as osp

import pytest
import torch
from mmpretrain import get_model

from tests.helpers.tiny_datasets import tiny_coco
from tests.helpers.tool_runs import ROOT, loader_overrides, run_tool

DROPLETS = osp.join(ROOT, 'configs/mask_rcnn',
                    'mask-rcnn_vit-tiny-p8-saim-demo_1xb2-300it_droplets.py')


@pytest.mark.slow
def test_show_dir_draws_every_test_image_of_a_detection_config(tmp_path):
    checkpoint = tmp_path / 'mask_rcnn.pth'
    torch.save({'state_dict': get_model(DROPLETS).state_dict()}, checkpoint)  # untrained
    options = [*tiny_coco(tmp_path / 'coco'), *loader_overrides('test_dataloader')]
    run_tool('test.py', DROPLETS, checkpoint, '--work-dir', tmp_path / 'work', '--show-dir',
             tmp_path / 'pictures', '--cfg-options', *options)
    assert sorted(p.name for p in (tmp_path / 'pictures').iterdir()) == ['0.jpg', '1.jpg']
