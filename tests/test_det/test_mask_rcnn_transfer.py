"""Mask R-CNN with the SAIM backbone: two training iterations and CocoMetric on a tiny COCO set."""
import pytest
import json
import os.path as osp

import numpy as np
from PIL import Image

from tests.helpers.tool_runs import ROOT, loader_overrides, run_tool

CONFIG = osp.join(ROOT, 'configs/mask_rcnn/mask-rcnn_vit-tiny-p8-saim-demo_1xb2-300it_droplets.py')


def write_tiny_coco(root, split, count):
    """Dark images with bright ellipses (one class), polygons in COCO instance format."""
    rng = np.random.default_rng(len(split) + count)
    (root / split).mkdir(parents=True)
    images, annotations = [], []
    yy, xx = np.mgrid[:96, :128]
    for i in range(count):
        img = np.full((96, 128, 3), 30, np.uint8)
        for _ in range(3):
            cx, cy, rx, ry = rng.integers(20, 108), rng.integers(20, 76), *rng.integers(6, 14, 2)
            img[((xx - cx) / rx)**2 + ((yy - cy) / ry)**2 <= 1] = 220
            angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
            polygon = np.stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)], 1)
            annotations.append(dict(
                id=len(annotations) + 1, image_id=i + 1, category_id=1, iscrowd=0,
                segmentation=[polygon.round(1).flatten().tolist()],
                bbox=[float(cx - rx), float(cy - ry), float(2 * rx), float(2 * ry)],
                area=float(np.pi * rx * ry)))
        Image.fromarray(img).save(root / split / f'{i}.jpg')
        images.append(dict(id=i + 1, file_name=f'{i}.jpg', width=128, height=96))
    (root / 'annotations').mkdir(exist_ok=True)
    with open(root / 'annotations' / f'instances_{split}.json', 'w') as f:
        json.dump(dict(images=images, annotations=annotations,
                       categories=[dict(id=1, name='droplet')]), f)


@pytest.mark.slow
def test_mask_rcnn_trains_and_evaluates(tmp_path, demo_saim_checkpoint):
    data = tmp_path / 'coco'
    write_tiny_coco(data, 'train', 4)
    write_tiny_coco(data, 'val', 2)
    ann = data / 'annotations' / 'instances_val.json'
    work = tmp_path / 'work'
    options = [
        f'train_dataloader.dataset.data_root={data}/', f'val_dataloader.dataset.data_root={data}/',
        f'test_dataloader.dataset.data_root={data}/', f'val_evaluator.ann_file={ann}',
        f'test_evaluator.ann_file={ann}',
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
