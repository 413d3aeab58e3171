"""The attention picture: what chosen patches attend to in the last block of each stream."""
from typing import Dict, Sequence

import numpy as np
import torch
from PIL import Image, ImageDraw

from ..models.utils import patch_grid, permutation_ranks
from .figure import panel_grid, patch_colours, to_uint8
from .reconstruction import ORDER_LEGEND, order_colours


def attention_overlay(image: np.ndarray, weights: torch.Tensor, grid, patch_size: int,
                      patch: int) -> np.ndarray:
    """(H, W, 3) uint8 image, (N,) attention over its patches -> (H, W, 3) uint8: the
    attention (scaled to its maximum, colour map ``inferno``) over the image in grey, with
    ``patch`` outlined."""
    heat = weights / weights.max().clamp(min=1e-12)
    colours = patch_colours(heat.view(1, *grid), patch_size, 'inferno')[0].astype(np.float32)
    grey = image.astype(np.float32).mean(axis=-1, keepdims=True)
    return outline(np.round(.35 * grey + .65 * colours).astype(np.uint8), grid, patch_size,
                   patch)


def outline(image: np.ndarray, grid, patch_size: int, patch: int) -> np.ndarray:
    """A copy of an (H, W, 3) uint8 image with ``patch`` (raster number) outlined in cyan."""
    r, c = divmod(patch, grid[1])
    canvas = Image.fromarray(image)
    ImageDraw.Draw(canvas).rectangle(
        [c * patch_size, r * patch_size, (c + 1) * patch_size - 1, (r + 1) * patch_size - 1],
        outline=(0, 255, 255))
    return np.asarray(canvas)


def attention_figure(model, image: torch.Tensor, maps: Dict[str, torch.Tensor],
                     patches: Sequence[int]) -> Image.Image:
    """One row per chosen patch: the image with the patch outlined, the order (dark =
    early), and the last block's attention (mean over heads) of the patch's content token
    and of its query, over the image.

    Args:
        image: the normalized (C, H, W) image.
        maps: :func:`mmsaim.apis.attention_maps` of that image (a batch of one).
        patches: raster numbers of the patches to show.
    """
    p = model.backbone.patch_size
    grid = patch_grid(image.shape, p)
    pixels = to_uint8(model, image[None])[0]
    permutation = maps['permutation'][0]
    rank = permutation_ranks(permutation)
    streams = [(name, maps[key][0].mean(dim=0)) for name, key in
               (('content stream', 'content'), ('query stream', 'query'))
               if maps[key] is not None]
    columns = [('image', np.stack([outline(pixels, grid, p, i) for i in patches])),
               ('order', np.repeat(order_colours(permutation[None], grid, p), len(patches),
                                   axis=0))]
    columns += [(name, np.stack([attention_overlay(pixels, attn[i, 1:], grid, p, i)
                                 for i in patches])) for name, attn in streams]
    notes = ['The last block of each stream under the order, mean over the heads, each map '
             'scaled to its maximum. A content token sees cls and the patches up to itself in '
             'the order; a query sees cls and the patches strictly before its own (the ones '
             'after get no attention).']
    if maps['query'] is None:
        notes.append('This model has no query stream (ViT-iGPT): the content state one step '
                     'earlier predicts each patch.')
    for row, i in enumerate(patches):
        cls_shares = ', '.join(f'{attn[i, 0]:.0%} ({name})' for name, attn in streams)
        notes.append(f'row {row + 1}: patch {i} (row {i // grid[1]}, column {i % grid[1]}), '
                     f'predicted at step {int(rank[i]) + 1} of {permutation.numel()}; cls takes '
                     f'{cls_shares} of its attention.')
    return panel_grid(columns, legends={1: ORDER_LEGEND}, notes=notes)
