"""Prediction orders for inference: by name or given as a permutation of the patches.

Patches are numbered in raster order on the (h, w) grid: patch ``r * w + c`` is row r,
column c. An order is a permutation ``z`` of ``0..N-1``: ``z[t]`` is the patch predicted
t-th, from ``cls`` and the patches ``z[0..t-1]``.
"""
from typing import Optional, Sequence, Tuple, Union

import torch

from ..models.utils import AutoregressiveOrder, patch_grid

ORDER_NAMES = ('raster', 'random', 'center-out')
OrderSpec = Union[None, str, Sequence[int], torch.Tensor]


def check_permutation(order: torch.Tensor, num_patches: int) -> None:
    """Raise a ValueError naming the problem when the rows of ``order`` are not permutations
    of ``0..num_patches-1``."""
    if order.shape[-1] != num_patches or order.dtype.is_floating_point or (
            order.sort(dim=-1).values != torch.arange(num_patches, device=order.device)).any():
        raise ValueError(
            f'an explicit order must be a permutation of the {num_patches} patch indices '
            f'0..{num_patches - 1} (raster numbering of the patch grid, each index once), '
            f'got {order.tolist() if order.numel() <= 16 else tuple(order.shape)}; or pass '
            f'one of {ORDER_NAMES}')


def patch_order(order: Union[str, Sequence[int], torch.Tensor],
                grid: Tuple[int, int],
                generator: Optional[torch.Generator] = None,
                device: Optional[torch.device] = None) -> torch.Tensor:
    """One order of the patches of an (h, w) grid: (N,) long.

    Args:
        order: ``'raster'`` (row by row), ``'random'`` (uniform, from ``generator``),
            ``'center-out'`` (by the distance of the patch centre from the image centre,
            ties in raster order), or an explicit permutation of ``0..N-1``.
        grid: (h, w) patches.
    """
    h, w = grid
    if isinstance(order, str):
        if order == 'raster':
            return torch.arange(h * w, device=device)
        if order == 'random':
            return torch.randperm(h * w, generator=generator).to(device)
        if order == 'center-out':
            rows, cols = torch.meshgrid(torch.arange(h) + .5, torch.arange(w) + .5, indexing='ij')
            distance = (rows - h / 2)**2 + (cols - w / 2)**2
            return distance.flatten().argsort(stable=True).to(device)
        raise ValueError(f'unknown order {order!r}: choose one of {ORDER_NAMES} or pass a '
                         'permutation of the patch indices')
    order = torch.as_tensor(order, device=device)
    if order.dim() != 1:
        raise ValueError(f'an explicit order for one image is 1-D, got shape {tuple(order.shape)}')
    check_permutation(order, h * w)
    return order.long()


def batch_order(model, images: torch.Tensor, order: OrderSpec = None,
                generator: Optional[torch.Generator] = None,
                explicit_masks: Optional[bool] = None) -> AutoregressiveOrder:
    """The :class:`AutoregressiveOrder` of a (B, C, H, W) batch for the SAIM ``model``.

    ``order``: ``None`` draws the model's own (``model.draw_order``: a random order per image
    for the stochastic models); ``'random'`` draws one per image too; ``'raster'`` and
    ``'center-out'`` are the same for every image; a tensor is (N,) for every image or
    (B, N) one per image. ``explicit_masks`` picks the layout (default: the model's).
    """
    explicit = model.explicit_masks if explicit_masks is None else explicit_masks
    if order is None:
        return AutoregressiveOrder(model.draw_order(images, generator).order, explicit)
    B, grid = images.shape[0], patch_grid(images.shape, model.backbone.patch_size)
    if isinstance(order, str):
        rows = [patch_order(order, grid, generator, images.device)
                for _ in range(B if order == 'random' else 1)]
        z = torch.stack(rows).expand(B, -1)
    else:
        z = torch.as_tensor(order, device=images.device)
        if z.dim() == 1:
            z = z.expand(B, -1)
        if z.shape[0] != B or z.dim() != 2:
            raise ValueError(f'an explicit order is (N,) or (B, N) = ({B}, N), got shape '
                             f'{tuple(z.shape)}')
        check_permutation(z, grid[0] * grid[1])
    return AutoregressiveOrder(z.long().contiguous(), explicit)
