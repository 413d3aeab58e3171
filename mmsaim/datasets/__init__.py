"""Images held as tensors: an ImageNet-style split loaded once, and crops made on the batch."""
from .batch_crops import center_crop, random_resized_crop
from .image_tensors import ImageTensors, load_image_tensors

__all__ = ['center_crop', 'random_resized_crop', 'ImageTensors', 'load_image_tensors']
