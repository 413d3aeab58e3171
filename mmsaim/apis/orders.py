"""Orders for inference: by name (:data:`ORDER_NAMES`) or given as a permutation of the patches.

Patches are numbered in raster order on the (h, w) grid: patch ``r * w + c`` is row r,
column c. A permutation ``z`` of ``0..N-1`` predicts patch ``z[t]`` t-th, from ``cls`` and
the patches ``z[0..t-1]``.
"""
from typing import Optional, Sequence, Union

import torch

from ..models.utils import ORDER_NAMES, draw_permutation, patch_grid

OrderSpec = Union[None, str, Sequence[int], torch.Tensor]


def check_permutation(permutation: torch.Tensor, num_patches: int) -> None:
    """Raise a ValueError naming the problem when the rows of ``permutation`` are not
    permutations of ``0..num_patches-1``."""
    if permutation.shape[-1] != num_patches or permutation.dtype.is_floating_point or (
            permutation.sort(dim=-1).values != torch.arange(
                num_patches, device=permutation.device)).any():
        shown = permutation.tolist() if permutation.numel() <= 16 else tuple(permutation.shape)
        raise ValueError(
            f'an explicit order must be a permutation of the {num_patches} patch indices '
            f'0..{num_patches - 1} (raster numbering of the patch grid, each index once), '
            f'got {shown}; or pass one of {ORDER_NAMES}')


def batch_permutation(model, images: torch.Tensor, order: OrderSpec = None,
                      generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """The (B, N) permutation of a (B, C, H, W) batch for the SAIM ``model``.

    Args:
        order: ``None`` (the model's own order, ``model.order``), a name of
            :data:`ORDER_NAMES` (drawn by :func:`draw_permutation`; ``'stochastic'`` draws
            one per image from ``generator``), or a permutation of ``0..N-1``, (N,) for
            every image or (B, N) one per image.
    """
    B, grid = images.shape[0], patch_grid(images.shape, model.backbone.patch_size)
    if order is None or isinstance(order, str):
        return draw_permutation(order or model.order, B, grid, images.device, generator)
    permutation = torch.as_tensor(order, device=images.device)
    if permutation.dim() == 1:
        permutation = permutation.expand(B, -1)
    if permutation.dim() != 2 or permutation.shape[0] != B:
        raise ValueError(f'an explicit order is (N,) or (B, N) = ({B}, N), got shape '
                         f'{tuple(permutation.shape)}')
    check_permutation(permutation, grid[0] * grid[1])
    return permutation.long().contiguous()
