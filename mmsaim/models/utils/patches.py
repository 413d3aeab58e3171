from typing import Sequence, Tuple

import torch


def check_divisible(img_shape: Sequence[int], patch_size: int) -> None:
    """Raise a ValueError naming the fix when an image does not split into whole patches."""
    H, W = img_shape[-2:]
    if H % patch_size or W % patch_size:
        raise ValueError(
            f'SAIM needs the image size to be a multiple of the patch size, got {H}x{W} '
            f'images and patch_size={patch_size}. Resize or crop the images to a multiple of '
            f'{patch_size} in the pipeline (for example '
            f'{max(H // patch_size, 1) * patch_size}x{max(W // patch_size, 1) * patch_size}, '
            f'with RandomResizedCrop or CenterCrop) or change patch_size.')


def patch_grid(img_shape: Sequence[int], patch_size: int) -> Tuple[int, int]:
    """The (h, w) grid of whole patches of an image shape ``(..., H, W)``."""
    return img_shape[-2] // patch_size, img_shape[-1] // patch_size


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


def _patch_stats(patches: torch.Tensor, eps: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """Each patch's mean and ``sqrt(var + eps)`` (unbiased variance), (..., 1) each."""
    return patches.mean(dim=-1, keepdim=True), (patches.var(dim=-1, keepdim=True) + eps)**.5


def normalize_patches(patches: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Normalize each patch by its own mean and (unbiased) variance: ``(x - mu) / sqrt(var + eps)``."""
    mean, std = _patch_stats(patches, eps)
    return (patches - mean) / std


def denormalize_patches(normalized: torch.Tensor, reference: torch.Tensor,
                        eps: float = 1e-6) -> torch.Tensor:
    """Undo :func:`normalize_patches` with the statistics of ``reference`` (same shape).

    Predictions of a model trained on normalized patches have no pixel scale of their own;
    this shows them with the mean and variance of the target patch they predict.
    """
    mean, std = _patch_stats(reference, eps)
    return normalized * std + mean
