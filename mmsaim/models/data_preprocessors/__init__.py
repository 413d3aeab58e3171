from .batch_crop import BatchCropMixin, BatchRandomResizedCrop
from .batch_crop_data_preprocessors import (BatchCropClsDataPreprocessor,
                                            BatchCropSelfSupDataPreprocessor)

__all__ = [
    'BatchCropMixin', 'BatchRandomResizedCrop', 'BatchCropClsDataPreprocessor',
    'BatchCropSelfSupDataPreprocessor'
]
