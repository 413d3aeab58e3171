from .reconstruction import (PANELS, load_images, reconstruction_figure,
                             reconstruction_panels, save_reconstruction)

__all__ = [
    'PANELS', 'load_images', 'reconstruction_figure', 'reconstruction_panels',
    'save_reconstruction'
]
