"""Data components: pipeline transforms registered in mmpretrain's ``TRANSFORMS``, and images
held as tensors (an ImageNet-style split loaded once, crops made on the batch)."""
from .batch_crops import center_crop, random_resized_crop
from .image_tensors import ImageTensors, load_image_tensors
from .transforms import CheckedLoadImageFromFile

__all__ = [
    'CheckedLoadImageFromFile', 'center_crop', 'random_resized_crop', 'ImageTensors',
    'load_image_tensors'
]
