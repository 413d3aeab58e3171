from .saim_vit import SAIMViT
from .windowed_vit import WindowedViT

__all__ = ['SAIMViT', 'WindowedViT']
