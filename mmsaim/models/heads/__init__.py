from .saim_pixel_head import SAIMPixelHead, gaussian_kernel2d

__all__ = ['SAIMPixelHead', 'gaussian_kernel2d']
