"""Load an ImageNet-style split once into one uint8 tensor."""
import os.path as osp
from typing import List, NamedTuple

import numpy as np
import torch
from mmpretrain.datasets import CustomDataset


class ImageTensors(NamedTuple):
    """A split held in memory.

    ``images`` (N, 3, S, S) uint8 in BGR order (mmcv's, so the configs' data preprocessors
    with ``to_rgb=True`` apply unchanged), ``labels`` (N, ) long, ``classes`` the names.
    """
    images: torch.Tensor
    labels: torch.Tensor
    classes: List[str]


def load_image_tensors(data_root: str, split: str, size: int) -> ImageTensors:
    """Read ``data_root/meta/{split}.txt`` (``path label`` lines, paths relative to
    ``data_root/{split}``) with mmpretrain's ``CustomDataset``; every image is resized so its
    short side is ``size`` (bicubic) and center-cropped to ``size`` x ``size``. Class names
    come from ``meta/classes.txt`` when it exists, else they are the label numbers.
    """
    classes = osp.join(data_root, 'meta', 'classes.txt')
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='ResizeEdge', scale=size, edge='short', backend='pillow',
             interpolation='bicubic'),
        dict(type='CenterCrop', crop_size=size),
    ]
    dataset = CustomDataset(data_root=data_root, ann_file=f'meta/{split}.txt',
                            data_prefix=split, pipeline=pipeline,
                            classes=classes if osp.isfile(classes) else None)
    images = np.empty((len(dataset), size, size, 3), dtype=np.uint8)
    labels = np.empty(len(dataset), dtype=np.int64)
    for i in range(len(dataset)):
        item = dataset[i]
        images[i] = item['img']
        labels[i] = item['gt_label']
    names = dataset.CLASSES or [str(i) for i in range(int(labels.max()) + 1)]
    return ImageTensors(
        torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(labels),
        list(names))
