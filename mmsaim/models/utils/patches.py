"""Patches of an image, and the orders in which SAIM predicts them.

Patches are numbered in raster order on the (h, w) grid: patch ``r * w + c`` is row r,
column c. An order is named by a string of :data:`ORDER_NAMES`; drawn, it is a
``permutation`` (B, N) of the patches: ``permutation[b, t]`` is the patch of image b
predicted t-th, from ``cls`` and the patches ``permutation[b, :t]``. The streams either lay
their sequences out in that order and attend causally, or keep patch order and attend under
the paper's masks (:func:`content_mask`, :func:`query_mask`); both give the same features.
"""
from typing import Optional, Sequence, Tuple

import torch

ORDER_NAMES = ('stochastic', 'raster', 'center-out')


def patch_grid(img_shape: Sequence[int], patch_size: int) -> Tuple[int, int]:
    """The (h, w) patch grid of images ``(..., H, W)``; a ValueError naming the fix when they
    do not split into whole patches (SAIM predicts every patch: none can be padded)."""
    H, W = img_shape[-2:]
    if H % patch_size or W % patch_size:
        raise ValueError(
            f'SAIM needs the image size to be a multiple of the patch size, got {H}x{W} '
            f'images and patch_size={patch_size}. Resize or crop the images to a multiple of '
            f'{patch_size} in the pipeline (for example '
            f'{max(H // patch_size, 1) * patch_size}x{max(W // patch_size, 1) * patch_size}, '
            f'with RandomResizedCrop or CenterCrop) or change patch_size.')
    return H // patch_size, W // patch_size


def patchify(images: torch.Tensor, patch_size: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, N, p * p * C), patches in raster order, pixels as (p, p, C)."""
    B, C, H, W = images.shape
    p = patch_size
    x = images.reshape(B, C, H // p, p, W // p, p)
    return x.permute(0, 2, 4, 3, 5, 1).reshape(B, (H // p) * (W // p), p * p * C)


def unpatchify(patches: torch.Tensor, patch_size: int,
               grid: Tuple[int, int]) -> torch.Tensor:
    """Inverse of :func:`patchify`: (B, h * w, p * p * C) on an (h, w) grid -> (B, C, H, W)."""
    B, _, D = patches.shape
    p, (h, w) = patch_size, grid
    C = D // (p * p)
    x = patches.reshape(B, h, w, p, p, C)
    return x.permute(0, 5, 1, 3, 2, 4).reshape(B, C, h * p, w * p)


def normalize_patches(patches: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Normalize each patch by its own mean and (unbiased) variance:
    ``(x - mu) / sqrt(var + eps)``."""
    var, mean = torch.var_mean(patches, dim=-1, keepdim=True)
    return (patches - mean) / (var + eps)**.5


def denormalize_patches(normalized: torch.Tensor, reference: torch.Tensor,
                        eps: float = 1e-6) -> torch.Tensor:
    """Undo :func:`normalize_patches` with the statistics of ``reference`` (same shape).

    Predictions of a model trained on normalized patches have no pixel scale of their own;
    this shows them with the mean and variance of the target patch they predict.
    """
    var, mean = torch.var_mean(reference, dim=-1, keepdim=True)
    return normalized * (var + eps)**.5 + mean


def draw_permutation(order: str,
                     batch_size: int,
                     grid: Tuple[int, int],
                     device: Optional[torch.device] = None,
                     generator: Optional[torch.Generator] = None,
                     seeds: Optional[Sequence[int]] = None) -> torch.Tensor:
    """Draw the order in which each image's patches are predicted: (B, N) long.

    The one place where orders are drawn: training steps, pictures, tools and the apis.

    Args:
        order: ``'stochastic'``: per image ``r ~ U(0, 1)^N`` and ``argsort(r)``, re-drawn
            every call (from ``generator`` when given); ``'raster'``: row by row;
            ``'center-out'``: by the distance of the patch centre from the image centre,
            ties in raster order.
        grid: (h, w) patches, N = h * w.
        device: of the result. A ``generator`` draws on its own device.
        seeds: one integer per image (B): image b's stochastic order is drawn from a CPU
            generator seeded with ``seeds[b]``, so it is the same in any batch, on any
            device and in any process (an evaluation that compares models on fixed
            orders). Not with ``generator``.
    """
    h, w = grid
    if order == 'stochastic':
        if seeds is not None:
            if generator is not None or len(seeds) != batch_size:
                raise ValueError(f'draw_permutation: give {batch_size} seeds (one per image) '
                                 f'or a generator, not both; got {len(seeds)} seeds')
            noise = torch.stack([
                torch.rand(h * w, generator=torch.Generator().manual_seed(int(seed)))
                for seed in seeds
            ])
        else:
            noise = torch.rand(batch_size, h * w, generator=generator,
                               device=device if generator is None else generator.device)
        return noise.argsort(dim=1).to(device)
    if order == 'raster':
        permutation = torch.arange(h * w, device=device)
    elif order == 'center-out':
        rows, cols = torch.meshgrid(torch.arange(h) + .5, torch.arange(w) + .5, indexing='ij')
        distance = (rows - h / 2)**2 + (cols - w / 2)**2
        permutation = distance.flatten().argsort(stable=True).to(device)
    else:
        raise ValueError(f'unknown order {order!r}: choose one of {ORDER_NAMES}')
    return permutation.expand(batch_size, -1).contiguous()


def permutation_ranks(permutation: torch.Tensor) -> torch.Tensor:
    """``rank[b, i]``: the step at which patch i is predicted (the inverse permutation)."""
    return permutation.argsort(dim=-1)


def gather_tokens(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``x[b, index[b, t]]`` for (B or 1, L, C) tokens and a (B, T) index: (B, T, C)."""
    return torch.take_along_dim(x, index.unsqueeze(-1), dim=1)


def content_mask(permutation: torch.Tensor) -> torch.Tensor:
    """Content-stream visibility, formula (3): (B, 1 + N, 1 + N) bool, True = may attend.

    Index 0 is ``cls``, index 1 + i is patch i. ``cls`` sees only itself; patch i sees ``cls``
    and every patch j with ``rank_j <= rank_i`` (itself included).
    """
    rank = permutation_ranks(permutation)
    B, N = permutation.shape
    mask = torch.zeros(B, 1 + N, 1 + N, dtype=torch.bool, device=permutation.device)
    mask[:, :, 0] = True
    mask[:, 1:, 1:] = rank[:, None, :] <= rank[:, :, None]
    return mask


def query_mask(permutation: torch.Tensor) -> torch.Tensor:
    """Query-stream visibility: (B, N, 1 + N) bool, True = may attend.

    Query i (patch i) sees ``cls`` and every patch j with ``rank_j < rank_i`` (never itself).
    """
    rank = permutation_ranks(permutation)
    B, N = permutation.shape
    mask = torch.zeros(B, N, 1 + N, dtype=torch.bool, device=permutation.device)
    mask[:, :, 0] = True
    mask[:, :, 1:] = rank[:, None, :] < rank[:, :, None]
    return mask
