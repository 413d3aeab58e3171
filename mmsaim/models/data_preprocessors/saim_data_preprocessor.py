from typing import Optional, Sequence

from mmpretrain.models import SelfSupDataPreprocessor
from mmpretrain.registry import MODELS

from ..utils import check_divisible
from .batch_crop import BatchCropMixin


@MODELS.register_module()
class SAIMDataPreprocessor(BatchCropMixin, SelfSupDataPreprocessor):
    """mmpretrain's ``SelfSupDataPreprocessor`` for SAIM's single view, checked for patches.

    Crops the batch if ``batch_crop`` is given, normalizes (and optionally converts BGR to
    RGB) it, then makes sure it is one (B, C, H, W) tensor whose H and W are multiples of
    ``patch_size``, raising an error that names the fix otherwise (SAIM predicts every patch,
    so a partial patch cannot be padded). A zero in ``std`` is refused when the preprocessor
    is built.

    Args:
        patch_size (int): the backbone's patch size. Defaults to 16.
        mean, std, to_rgb: as ``SelfSupDataPreprocessor``.
        batch_crop (dict, optional): random resized crops of the batch on its device
            (:class:`BatchCropMixin`); None (default) crops nothing.
    """

    def __init__(self,
                 patch_size: int = 16,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 to_rgb: bool = False,
                 **kwargs):
        if std is not None and any(float(s) == 0 for s in std):
            raise ValueError(f'SAIMDataPreprocessor std={list(std)} has a zero: normalizing '
                             'divides by it and turns the images into inf/NaN. Use the '
                             'per-channel std of the data (ImageNet: [58.395, 57.12, 57.375]).')
        super().__init__(mean=mean, std=std, to_rgb=to_rgb, **kwargs)
        self.patch_size = patch_size

    def forward(self, data: dict, training: bool = False) -> dict:
        data = super().forward(data, training)
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != 1:
                raise ValueError(f'SAIM takes one view per image, got {len(inputs)}: use a '
                                 'pipeline without MultiView')
            inputs = data['inputs'] = inputs[0]
        check_divisible(inputs.shape, self.patch_size)
        return data
