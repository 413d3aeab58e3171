"""The completion strip: an image completed patch by patch, shown as it proceeds."""
from typing import List

import numpy as np
import torch
from PIL import Image

from ..apis import Completion
from ..models.utils import patch_grid, patchify, unpatchify
from .figure import panel_grid, to_uint8
from .reconstruction import ORDER_LEGEND, order_colours

NOT_YET = 128  # grey: a patch not predicted yet


def frame_steps(completion: Completion, num_frames: int) -> List[int]:
    """How many patches are predicted in each of ``num_frames`` evenly spaced frames, from
    none (the visible patches only) to all."""
    hidden = completion.permutation.numel() - completion.num_visible
    return [round(i * hidden / max(num_frames - 1, 1)) for i in range(num_frames)]


def completion_frames(model, completion: Completion, num_frames: int) -> List[np.ndarray]:
    """The image at each of the :func:`frame_steps`: ``num_frames`` (1, H, W, 3) uint8
    arrays, the patches not predicted yet grey."""
    p = model.backbone.patch_size
    image = completion.image[None]
    grid = patch_grid(image.shape, p)
    pixels = patchify(torch.from_numpy(to_uint8(model, image)).permute(0, 3, 1, 2), p)
    frames = []
    for steps in frame_steps(completion, num_frames):
        shown = pixels.clone()
        shown[:, completion.permutation[completion.num_visible + steps:].cpu()] = NOT_YET
        frames.append(unpatchify(shown, p, grid).permute(0, 2, 3, 1).numpy())
    return frames


def completion_figure(model, completion: Completion, original: torch.Tensor,
                      num_frames: int = 6) -> Image.Image:
    """One row: the original (C, H, W), the completion order (dark = early; the visible
    patches come first), then ``num_frames`` frames of the completion as it proceeds."""
    p = model.backbone.patch_size
    grid = patch_grid(original.shape, p)
    hidden = completion.permutation.numel() - completion.num_visible
    frames = completion_frames(model, completion, num_frames)
    titles = [f'{steps} of {hidden} predicted' for steps in frame_steps(completion, num_frames)]
    columns = [('original', to_uint8(model, original[None])),
               ('order', order_colours(completion.permutation[None], grid, p)),
               *zip(titles, frames)]
    notes = [f'{completion.num_visible} of {completion.permutation.numel()} patches kept; the '
             'others are predicted one at a time in the order, each from the patches before '
             'it (grey: not predicted yet). The model predicts the Gaussian-smoothed image, '
             'so predicted patches are smooth.']
    return panel_grid(columns, legends={1: ORDER_LEGEND}, notes=notes)
