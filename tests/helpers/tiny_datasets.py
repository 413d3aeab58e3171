"""Tiny datasets in the layouts of the transfer configs (COCO instances, segmentation maps),
with the ``--cfg-options`` that point the configs at them."""
import json

import numpy as np
from PIL import Image

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


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


def tiny_coco(root):
    """A tiny COCO set in ``root`` (4 train, 2 val images); returns the options that make
    the droplets Mask R-CNN configs read it."""
    write_tiny_coco(root, 'train', 4)
    write_tiny_coco(root, 'val', 2)
    ann = root / 'annotations' / 'instances_val.json'
    return [*(f'{loader}.dataset.data_root={root}/' for loader in LOADERS),
            f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}']


def tiny_segmentation(root):
    """A tiny CamVid-like set in ``root`` (4 train, 2 val images); returns the options that
    make the CamVid UperNet configs read it."""
    write_tiny_segmentation(root, 'train', 4)
    write_tiny_segmentation(root, 'val', 2)
    return [f'{loader}.dataset.data_root={root}/' for loader in LOADERS]
