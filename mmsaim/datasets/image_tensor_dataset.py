"""An ImageNet-style split decoded once into one uint8 tensor."""
import functools
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.device import get_device
from mmpretrain.datasets import CustomDataset
from mmpretrain.registry import DATASETS

from .batched_tensor_dataset import BatchedTensorDataset


@functools.lru_cache(maxsize=4)
def decode_split(data_root: str, split: str,
                 image_size: int) -> Tuple[torch.Tensor, torch.Tensor, List[str]]:
    """``(images, labels, classes)`` of ``data_root/meta/{split}.txt``, decoded once per process.

    The file has ``path label`` lines, paths relative to ``data_root/{split}``; mmpretrain's
    ``CustomDataset`` reads it and every image is resized so its short side is
    ``image_size`` (bicubic) and center-cropped to a square. ``images`` is (N, 3, S, S)
    uint8 on the CPU in BGR order (mmcv's, so the configs' ``to_rgb=True`` applies
    unchanged), ``labels`` (N, ) long. Class names come from ``meta/classes.txt`` when it
    exists, else they are the label numbers. A process that builds the split again (the
    next config's dataset) gets the same tensors without decoding; do not modify them.
    """
    classes = osp.join(data_root, 'meta', 'classes.txt')
    pipeline = [
        dict(type='CheckedLoadImageFromFile'),
        dict(type='ResizeEdge', scale=image_size, edge='short', backend='pillow',
             interpolation='bicubic'),
        dict(type='CenterCrop', crop_size=image_size),
    ]
    dataset = CustomDataset(data_root=data_root, ann_file=f'meta/{split}.txt',
                            data_prefix=split, pipeline=pipeline,
                            classes=classes if osp.isfile(classes) else None)
    images = np.empty((len(dataset), image_size, image_size, 3), dtype=np.uint8)
    labels = np.empty(len(dataset), dtype=np.int64)
    for i in range(len(dataset)):
        item = dataset[i]
        images[i] = item['img']
        labels[i] = item['gt_label']
    names = dataset.CLASSES or [str(i) for i in range(int(labels.max()) + 1)]
    return (torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(),
            torch.from_numpy(labels), list(names))


# The stored side over the crop side, for datasets given their crop size: a crop covers at
# most (8/9)^2 of an image.
STORED_PER_CROP = (9, 8)


@DATASETS.register_module()
class ImageTensorDataset(BatchedTensorDataset):
    """An ImageNet-style split decoded once into one uint8 tensor on ``device``.

    For small datasets trained for many epochs: the images are decoded once
    (:func:`decode_split`), stored a little larger than the training crops, moved to the
    training device once, and every batch is one indexing there. The random crops are made
    on the batch by the model's data preprocessor (``batch_crop`` of
    ``BatchCropSelfSupDataPreprocessor`` or ``BatchCropClsDataPreprocessor``). Use it with
    ``num_workers=0`` and ``collate_fn=dict(type='batched_collate')``.

    Args:
        data_root (str): a folder with ``meta/{split}.txt`` (``path label`` lines, paths
            relative to ``data_root/{split}``) and optionally ``meta/classes.txt``.
        split (str | Sequence[str]): a split, or several joined in this order (each data
            sample names its split: a k-NN bank and its queries in one dataset).
        image_size (int, optional): side of the stored square images.
        crop_size (int, optional): instead of ``image_size``: the side of the crops the
            model takes; the images are stored at 9/8 of it (36 px for 32 px crops).
        with_label (bool): give data samples with ``gt_label``; False for unlabeled
            pretraining. Defaults to True.
        device (str, optional): where the images are held. Defaults to where mmengine's
            Runner puts the model (``mmengine.device.get_device()``: a GPU when there is one).

    Items: ``inputs`` (3, S, S) uint8 BGR, ``data_samples`` a ``DataSample``; batches of
    B: (B, 3, S, S) and B data samples.
    """

    def __init__(self,
                 data_root: str,
                 split: Union[str, Sequence[str]],
                 image_size: Optional[int] = None,
                 crop_size: Optional[int] = None,
                 with_label: bool = True,
                 device: Optional[str] = None):
        if (image_size is None) == (crop_size is None):
            raise ValueError('ImageTensorDataset: give image_size (the side of the stored '
                             'images) or crop_size (the side of the crops), not both')
        if crop_size is not None:
            image_size = crop_size * STORED_PER_CROP[0] // STORED_PER_CROP[1]
        splits = [split] if isinstance(split, str) else list(split)
        parts = [decode_split(osp.abspath(data_root), name, image_size) for name in splits]
        classes = parts[0][2]
        for name, (_, _, other) in zip(splits[1:], parts[1:]):
            if other != classes:
                raise ValueError(f'ImageTensorDataset: the {name} split of {data_root} has '
                                 f'other classes than the {splits[0]} split; give splits '
                                 'of one dataset')
        super().__init__(
            inputs=torch.cat([images for images, _, _ in parts]).to(device or get_device()),
            labels=torch.cat([labels for _, labels, _ in parts]),
            splits=[name for name, (images, _, _) in zip(splits, parts)
                    for _ in range(len(images))],
            classes=classes,
            with_label=with_label)
