"""Mask R-CNN with the SAIM backbone: two training iterations and CocoMetric on a tiny COCO set."""
import json
import os.path as osp

import pytest

from tests.helpers.tiny_datasets import tiny_coco
from tests.helpers.tool_runs import ROOT, loader_overrides, run_tool

CONFIG = osp.join(ROOT, 'configs/mask_rcnn/mask-rcnn_vit-tiny-p8-saim-demo_1xb2-300it_droplets.py')


@pytest.mark.slow
def test_mask_rcnn_trains_and_evaluates(tmp_path, demo_saim_checkpoint):
    work = tmp_path / 'work'
    options = [
        *tiny_coco(tmp_path / 'coco'),
        f'model.backbone.init_cfg.checkpoint={demo_saim_checkpoint}',
        'train_cfg.max_iters=2', 'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
        *loader_overrides('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]
    log = run_tool('train.py', CONFIG, '--work-dir', work, '--cfg-options', *options)
    assert 'Iter(train) [2/2]' in log and 'coco/segm_mAP' in log
    assert 'new, not in the checkpoint: rel_pos_bias' in log  # only the new tables
    metrics_file = tmp_path / 'metrics.json'
    run_tool('test.py', CONFIG, work / 'iter_2.pth', '--work-dir', work, '--out', metrics_file,
             '--cfg-options', *options)
    metrics = json.loads(metrics_file.read_text())
    for key in ('coco/bbox_mAP', 'coco/bbox_mAP_50', 'coco/segm_mAP', 'coco/segm_mAP_50'):
        assert 0.0 <= metrics[key] <= 1.0, (key, metrics)
