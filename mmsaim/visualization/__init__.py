from .attention import attention_figure
from .completion import completion_figure, completion_frames
from .figure import panel_grid, to_uint8
from .reconstruction import PANELS, reconstruction_figure, reconstruction_panels

__all__ = [
    'attention_figure', 'completion_figure', 'completion_frames', 'panel_grid', 'to_uint8',
    'PANELS', 'reconstruction_figure', 'reconstruction_panels'
]
