from .saim_pixel_head import SAIMPixelHead

__all__ = ['SAIMPixelHead']
