"""Data components: pipeline transforms in mmpretrain's ``TRANSFORMS``, and datasets held in
memory as one tensor (in mmpretrain's ``DATASETS``): images decoded once, and the features
of a frozen encoder computed once."""
from .batched_tensor_dataset import BatchedTensorDataset, batched_collate
from .encoder_feature_dataset import EncoderFeatureDataset
from .image_tensor_dataset import ImageTensorDataset, decode_split
from .transforms import CheckedLoadImageFromFile

__all__ = [
    'BatchedTensorDataset', 'batched_collate', 'CheckedLoadImageFromFile',
    'EncoderFeatureDataset', 'ImageTensorDataset', 'decode_split'
]
