"""UperNet with the SAIM backbone: two training iterations and IoUMetric on tiny CamVid-like data."""
import json
import os.path as osp

import pytest

from tests.helpers.tiny_datasets import tiny_segmentation
from tests.helpers.tool_runs import ROOT, loader_overrides, run_tool

CONFIG = osp.join(ROOT, 'configs/upernet/upernet_vit-tiny-p8-saim-demo_1xb4-500it_camvid-160x160.py')


@pytest.mark.slow
def test_upernet_trains_and_evaluates(tmp_path, demo_saim_checkpoint):
    work = tmp_path / 'work'
    options = [
        *tiny_segmentation(tmp_path / 'camvid'),
        f'model.backbone.init_cfg.checkpoint={demo_saim_checkpoint}',
        'train_cfg.max_iters=2', 'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
        'train_dataloader.batch_size=2',
        *loader_overrides('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]
    log = run_tool('train.py', CONFIG, '--work-dir', work, '--cfg-options', *options)
    assert 'Iter(train) [2/2]' in log and 'mIoU' in log
    assert 'SAIMWindowedViT: ' in log and 'new, not in the checkpoint' not in log  # all loaded
    metrics_file = tmp_path / 'metrics.json'
    run_tool('test.py', CONFIG, work / 'iter_2.pth', '--work-dir', work, '--out', metrics_file,
             '--cfg-options', *options)
    metrics = json.loads(metrics_file.read_text())
    assert 0.0 <= metrics['mIoU'] <= 100.0 and 0.0 <= metrics['aAcc'] <= 100.0
