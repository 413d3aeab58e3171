"""Crops of a whole batch of images at once, on the batch's device (GPU or CPU)."""
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F


def _uniform(low: float, high: float, n: int, device: torch.device,
             generator: Optional[torch.Generator]) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, device=device, generator=generator)


def random_resized_crop(images: torch.Tensor,
                        size: int,
                        scale: Tuple[float, float] = (0.2, 1.),
                        ratio: Tuple[float, float] = (3. / 4., 4. / 3.),
                        flip_prob: float = 0.5,
                        generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """RandomResizedCrop and horizontal flip, drawn per image, resampled bilinearly.

    Each image gets a box of area ``U(scale) * H * W`` and aspect ratio ``exp(U(log ratio))``
    (clipped to the image, where torchvision would retry), at a uniform position, resized to
    ``size`` x ``size`` and flipped with probability ``flip_prob``.

    Args:
        images (Tensor): (B, C, H, W), any dtype.
        generator (torch.Generator, optional): on the images' device.

    Returns:
        Tensor: (B, C, size, size) float32, in the images' value range.
    """
    B, _, H, W = images.shape
    device = images.device
    area = _uniform(*scale, B, device, generator) * H * W
    aspect = torch.exp(_uniform(math.log(ratio[0]), math.log(ratio[1]), B, device, generator))
    w = torch.sqrt(area * aspect).clamp(max=W)
    h = torch.sqrt(area / aspect).clamp(max=H)
    cx = w / 2 + torch.rand(B, device=device, generator=generator) * (W - w)
    cy = h / 2 + torch.rand(B, device=device, generator=generator) * (H - h)
    flip = torch.rand(B, device=device, generator=generator) < flip_prob
    # affine_grid maps output coordinates in [-1, 1] to input coordinates in [-1, 1].
    theta = torch.zeros(B, 2, 3, device=device)
    theta[:, 0, 0] = torch.where(flip, -w / W, w / W)
    theta[:, 0, 2] = 2 * cx / W - 1
    theta[:, 1, 1] = h / H
    theta[:, 1, 2] = 2 * cy / H - 1
    grid = F.affine_grid(theta, [B, images.shape[1], size, size], align_corners=False)
    return F.grid_sample(images.float(), grid, mode='bilinear', padding_mode='border',
                         align_corners=False)


def center_crop(images: torch.Tensor, size: int) -> torch.Tensor:
    """The central ``size`` x ``size`` window of (B, C, H, W) images, as float32."""
    top, left = (images.shape[-2] - size) // 2, (images.shape[-1] - size) // 2
    return images[..., top:top + size, left:left + size].float()
