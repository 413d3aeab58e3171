"""UperNet with the SAIM backbone: two training iterations and IoUMetric on tiny CamVid-like data."""
import pytest
import json
import os.path as osp

import numpy as np
from PIL import Image

from tests.helpers.tool_runs import ROOT, loader_overrides, run_tool

CONFIG = osp.join(ROOT, 'configs/upernet/upernet_vit-tiny-p8-saim-demo_1xb4-500it_camvid-160x160.py')


def write_tiny_segmentation(root, split, count):
    """Images split into coloured class blocks, labels 0-10 with a void (255) stripe."""
    rng = np.random.default_rng(count)
    for sub in ('img_dir', 'ann_dir'):
        (root / sub / split).mkdir(parents=True)
    for i in range(count):
        label = np.kron(rng.integers(0, 11, (3, 4)), np.ones((24, 24), np.int64)).astype(np.uint8)
        label[:, :4] = 255
        img = (label[..., None] * np.array([20, 7, 13]) % 256).astype(np.uint8)
        Image.fromarray(img).save(root / 'img_dir' / split / f'{i}.jpg')
        Image.fromarray(label).save(root / 'ann_dir' / split / f'{i}.png')


@pytest.mark.slow
def test_upernet_trains_and_evaluates(tmp_path, demo_saim_checkpoint):
    data = tmp_path / 'camvid'
    write_tiny_segmentation(data, 'train', 4)
    write_tiny_segmentation(data, 'val', 2)
    work = tmp_path / 'work'
    options = [
        f'train_dataloader.dataset.data_root={data}/', f'val_dataloader.dataset.data_root={data}/',
        f'test_dataloader.dataset.data_root={data}/',
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
