from .saim_vit import SAIMViT
from .saim_windowed_vit import SAIMWindowedViT

__all__ = ['SAIMViT', 'SAIMWindowedViT']
