from .batch_crop import BatchCropMixin, BatchRandomResizedCrop
from .batch_crop_data_preprocessors import (BatchCropClsDataPreprocessor,
                                            BatchCropSelfSupDataPreprocessor)
from .saim_data_preprocessor import SAIMDataPreprocessor

__all__ = [
    'BatchCropMixin', 'BatchRandomResizedCrop', 'BatchCropClsDataPreprocessor',
    'BatchCropSelfSupDataPreprocessor', 'SAIMDataPreprocessor'
]
