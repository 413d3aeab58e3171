"""Random resized crops of a whole batch at once, on its device, in the data preprocessor."""
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F


def _uniform(low: float, high: float, n: int, device: torch.device,
             generator: Optional[torch.Generator]) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, device=device, generator=generator)


def random_resized_crop(images: torch.Tensor,
                        size: int,
                        scale: Tuple[float, float] = (0.08, 1.),
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
    if min(images.shape[-2:]) < size:
        raise ValueError(f'Cannot center-crop {size} x {size} from images of '
                         f'{tuple(images.shape[-2:])}: store the images at least as large as '
                         'the crops')
    top, left = (images.shape[-2] - size) // 2, (images.shape[-1] - size) // 2
    return images[..., top:top + size, left:left + size].float()


class BatchRandomResizedCrop:
    """RandomResizedCrop and horizontal flip of a batch in training, the center crop in
    evaluation: the crop step of a data preprocessor (see :class:`BatchCropMixin`).

    Each training image gets its own box and flip (:func:`random_resized_crop`), drawn from
    the global random generator of the batch's device, so a resumed run (whose checkpoint
    holds the generators' states) draws the crops an uninterrupted run would have.

    Args:
        size (int): side of the square crops.
        scale (tuple): range of the box area, a fraction of the image. Defaults to
            (0.08, 1.), torchvision's.
        ratio (tuple): range of the box aspect ratio. Defaults to (3/4, 4/3).
        flip_prob (float): Defaults to 0.5.

    Call: (B, C, H, W) images of any dtype and ``training`` -> (B, C, size, size) float32.
    """

    def __init__(self,
                 size: int,
                 scale: Tuple[float, float] = (0.08, 1.),
                 ratio: Tuple[float, float] = (3. / 4., 4. / 3.),
                 flip_prob: float = 0.5):
        self.size = size
        self.scale = tuple(scale)
        self.ratio = tuple(ratio)
        self.flip_prob = flip_prob

    def __call__(self, images: torch.Tensor, training: bool) -> torch.Tensor:
        if not training:
            return center_crop(images, self.size)
        return random_resized_crop(images, self.size, self.scale, self.ratio, self.flip_prob)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(size={self.size}, scale={self.scale}, '
                f'ratio={self.ratio}, flip_prob={self.flip_prob})')


class BatchCropMixin:
    """Gives a data preprocessor a ``batch_crop``: :class:`BatchRandomResizedCrop` of the
    batch on the model's device, before everything else the preprocessor does.

    As mmpretrain's ``batch_augments`` are applied to the batch in the preprocessor, so are
    the crops: a dataset that holds its images in memory (``ImageTensorDataset``) serves
    them whole, and the crops are made where the model runs. The crops keep the images'
    value range (0-255), so normalization, channel order and batch augments (Mixup, CutMix)
    follow unchanged.

    Args:
        batch_crop (dict, optional): the arguments of :class:`BatchRandomResizedCrop`;
            None (default) crops nothing.
        *args, **kwargs: those of the preprocessor.
    """

    def __init__(self, *args, batch_crop: Optional[dict] = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch_crop = BatchRandomResizedCrop(**batch_crop) if batch_crop else None

    def forward(self, data: dict, training: bool = False) -> dict:
        if self.batch_crop is not None:
            data = dict(data, inputs=self.batch_crop(self.cast_data(data['inputs']), training))
        return super().forward(data, training)
