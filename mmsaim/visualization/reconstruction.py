"""The SAIM reconstruction picture: original, prediction order, smoothed target, prediction."""
from typing import List

import numpy as np
import torch
from PIL import Image

from ..apis import reconstruct
from ..models.utils import patch_grid, permutation_ranks
from .figure import panel_grid, patch_colours, to_uint8

PANELS = ('original', 'order', 'smoothed target', 'prediction')
ORDER_LEGEND = ('early', 'late', 'viridis')  # dark = early


def order_colours(permutation: torch.Tensor, grid, patch_size: int) -> np.ndarray:
    """(B, N) permutations -> (B, H, W, 3) uint8: each patch coloured by its step, dark =
    early."""
    ranks = permutation_ranks(permutation).float() / max(permutation.shape[1] - 1, 1)
    return patch_colours(ranks.view(-1, *grid), patch_size)


def reconstruction_panels(model, images: torch.Tensor, seed: int = 0) -> List[np.ndarray]:
    """Predict every patch of ``images`` in the model's order (a random one fixed by ``seed``).

    Returns one (B, H, W, 3) uint8 array per entry of :data:`PANELS`. With ``norm_pix`` the
    predicted patches are shown with the mean and variance of the smoothed target patch
    (see :func:`mmsaim.apis.reconstruct`).
    """
    generator = torch.Generator(device=images.device).manual_seed(seed)
    out = reconstruct(model, images, generator=generator)
    p = model.backbone.patch_size
    return [
        to_uint8(model, images),
        order_colours(out['permutation'], patch_grid(images.shape, p), p),
        to_uint8(model, out['smoothed']),
        to_uint8(model, out['image']),
    ]


def reconstruction_notes(model) -> List[str]:
    """What the picture's prediction panel shows, as lines of text under it."""
    if model.head.norm_pix:
        return ['prediction: every patch predicted from the patches before it in the order. '
                'The model predicts each patch normalized by its own mean and variance '
                '(norm_pix), which has no pixel scale: each is shown with the mean and '
                'variance of its smoothed target patch.']
    return ['prediction: every patch predicted from the patches before it in the order, in '
            'pixels (the model was trained without norm_pix).']


def reconstruction_figure(model, images: torch.Tensor, seed: int = 0) -> Image.Image:
    """The picture: one row per image, the :data:`PANELS` as columns, the order's legend
    (dark = early) and what the prediction panel shows."""
    panels = reconstruction_panels(model, images, seed)
    return panel_grid(list(zip(PANELS, panels)), legends={PANELS.index('order'): ORDER_LEGEND},
                      notes=reconstruction_notes(model))
