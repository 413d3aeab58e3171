from typing import Dict, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.models.utils import build_norm_layer
from mmpretrain.registry import MODELS

from ..utils import normalize_patches, patchify


def gaussian_kernel2d(kernel_size: int, sigma: float) -> torch.Tensor:
    """A (kernel_size, kernel_size) Gaussian that sums to one."""
    g = torch.signal.windows.gaussian(kernel_size, std=sigma, dtype=torch.float64)
    return (torch.outer(g, g) / g.sum()**2).float()


@MODELS.register_module()
class SAIMPixelHead(BaseModule):
    """SAIM prediction head: pixels of every patch, against a smoothed, normalized target.

    Prediction: final LayerNorm, then an MLP ``D -> hidden -> p^2 * C`` with GELU.
    Target: the normalized image blurred by a depthwise 2-D Gaussian (zero padding, same
    size), patchified; with ``norm_pix`` each target patch is normalized by its own mean and
    variance (eps 1e-6). The loss of a patch is the mean squared error over its values;
    the training loss is their mean over ALL patches (there is no masked subset).

    Args:
        embed_dims (int): input width D (``SAIM`` gives the width of the stream that feeds
            the head). Defaults to 768.
        hidden_dims (int, optional): MLP hidden width; defaults to ``4 * embed_dims``.
        patch_size (int): Defaults to 16 (``SAIM`` gives the encoder's).
        in_channels (int): C. Defaults to 3 (``SAIM`` gives the encoder's).
        norm_pix (bool): normalize each target patch. Defaults to True.
        blur (dict, optional): the Gaussian, ``dict(kernel_size=9, sigma=1.)`` (the
            default; an odd kernel size); ``None`` for no smoothing. The kernel is a
            non-persistent buffer: checkpoints do not carry it.
        norm_cfg (dict): Defaults to LN with eps 1e-6.
        loss (dict): Defaults to mmpretrain's ``PixelReconstructionLoss`` with the L2
            criterion, whose per-value ``penalty`` the head averages over each patch
            (:meth:`forward`), as that loss does when given no mask.
        init_cfg (dict): Defaults to xavier-uniform weights and zero biases of the MLP.

    Shapes: features (B, N, D) in patch order -> predictions (B, N, p^2 * C); images
    (B, C, H, W) -> targets (B, N, p^2 * C); both -> the (B, N) loss of every patch; N =
    H * W / p^2, patches in raster order.
    """

    def __init__(self,
                 embed_dims: int = 768,
                 hidden_dims: Optional[int] = None,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 norm_pix: bool = True,
                 blur: Optional[dict] = dict(kernel_size=9, sigma=1.),
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 loss: dict = dict(type='PixelReconstructionLoss', criterion='L2'),
                 init_cfg: dict = dict(type='Xavier', layer='Linear', distribution='uniform')):
        super().__init__(init_cfg=init_cfg)
        self.patch_size = patch_size
        self.norm_pix = norm_pix
        self.norm = build_norm_layer(norm_cfg, embed_dims)
        hidden_dims = hidden_dims or 4 * embed_dims
        self.predictor = nn.Sequential(
            nn.Linear(embed_dims, hidden_dims), nn.GELU(),
            nn.Linear(hidden_dims, patch_size**2 * in_channels))
        blur = blur or dict(kernel_size=1, sigma=1.)  # a 1x1 kernel of 1: no smoothing
        if blur['kernel_size'] % 2 != 1:
            raise ValueError(f'SAIMPixelHead: blur kernel_size must be odd, got '
                             f'{blur["kernel_size"]}')
        kernel = gaussian_kernel2d(blur['kernel_size'], blur['sigma'])
        self.register_buffer('blur_kernel', kernel.expand(in_channels, 1, *kernel.shape).clone(),
                             persistent=False)
        self.loss_module = MODELS.build(loss)
        if not hasattr(self.loss_module, 'penalty'):
            raise ValueError(f'SAIMPixelHead: loss {loss.get("type")!r} gives no per-value '
                             "`penalty`; use mmpretrain's PixelReconstructionLoss (L2 or L1)")

    def smooth(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> the blurred images, the same size (zero padding)."""
        return F.conv2d(images, self.blur_kernel.to(images.dtype),
                        padding=self.blur_kernel.shape[-1] // 2, groups=images.shape[1])

    def construct_target(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) normalized images -> (B, N, p^2 * C) target patches, in fp32 also
        under autocast (the per-patch normalization divides by small variances)."""
        with torch.autocast(images.device.type, enabled=False):
            target = patchify(self.smooth(images.float()), self.patch_size)
            return normalize_patches(target) if self.norm_pix else target

    def forward(self, feats: torch.Tensor, images: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Predict the patches of ``images`` (B, C, H, W) from ``feats`` (B, N, D).

        Returns:
            dict: ``prediction`` and ``target`` (B, N, p^2 * C) and ``patch_losses`` (B, N):
            the loss module's per-value ``penalty`` (the squared error for L2) averaged over
            each patch's values; their mean is the training loss.
        """
        prediction = self.predictor(self.norm(feats))
        target = self.construct_target(images)
        patch_losses = self.loss_module.penalty(prediction.float(), target).mean(-1)
        return dict(prediction=prediction, target=target, patch_losses=patch_losses)
