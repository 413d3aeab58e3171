"""mmpretrain's data preprocessors with the batch crop, for data held in memory."""
from mmpretrain.models import ClsDataPreprocessor, SelfSupDataPreprocessor
from mmpretrain.registry import MODELS

from .batch_crop import BatchCropMixin


@MODELS.register_module()
class BatchCropSelfSupDataPreprocessor(BatchCropMixin, SelfSupDataPreprocessor):
    """mmpretrain's ``SelfSupDataPreprocessor`` (e.g. MAE's) that first crops the batch.

    Args:
        batch_crop (dict, optional): see :class:`BatchCropMixin`.
        **kwargs: the arguments of ``SelfSupDataPreprocessor``.

    Shapes: (B, 3, H, W) images of any dtype -> (B, 3, size, size) normalized float32.
    """


@MODELS.register_module()
class BatchCropClsDataPreprocessor(BatchCropMixin, ClsDataPreprocessor):
    """mmpretrain's ``ClsDataPreprocessor`` that first crops the batch; its batch augments
    (Mixup, CutMix) then apply to the crops.

    Args:
        batch_crop (dict, optional): see :class:`BatchCropMixin`.
        **kwargs: the arguments of ``ClsDataPreprocessor``.

    Shapes: (B, 3, H, W) images of any dtype -> (B, 3, size, size) normalized float32.
    """
