from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..utils import GaussianBlur, normalize_patches, patchify


@MODELS.register_module()
class SAIMPixelHead(BaseModule):
    """SAIM prediction head: pixels of every patch, against a smoothed, normalized target.

    Prediction: final LayerNorm, then an MLP ``D -> hidden -> p^2 * C`` with GELU.
    Target: the normalized image blurred by a depthwise Gaussian (zero padding, same size),
    patchified; with ``norm_pix`` each target patch is normalized by its own mean and
    variance (eps 1e-6). Loss: mean squared error over ALL patches and pixel values.

    Args:
        embed_dims (int): input width D. Defaults to 768.
        hidden_dims (int, optional): MLP hidden width; defaults to ``4 * embed_dims``.
        patch_size (int): Defaults to 16.
        in_channels (int): C. Defaults to 3.
        norm_pix (bool): normalize each target patch. Defaults to True.
        blur (dict, optional): ``dict(kernel_size=9, sigma=1.)`` (the default); ``None`` for
            no smoothing.
        norm_cfg (dict): Defaults to LN with eps 1e-6.
        loss (dict): Defaults to mmpretrain's ``PixelReconstructionLoss`` with the L2
            criterion; the head averages its per-value ``penalty`` over each patch
            (:meth:`patch_losses`) and over all patches (:meth:`loss`), as that loss does
            when given no mask.
        init_cfg (dict, optional): Defaults to None.

    Shapes: features (B, N, D) in patch order and images (B, C, H, W) -> a scalar loss, or
    the (B, N) loss of every patch, with N = H * W / p^2 and patches in raster order.
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
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.patch_size = patch_size
        self.norm_pix = norm_pix
        self.norm = build_norm_layer(norm_cfg, embed_dims)[1]
        hidden_dims = hidden_dims or 4 * embed_dims
        self.predictor = nn.Sequential(
            nn.Linear(embed_dims, hidden_dims), nn.GELU(),
            nn.Linear(hidden_dims, patch_size**2 * in_channels))
        self.blur = None if blur is None else GaussianBlur(channels=in_channels, **blur)
        self.loss_module = MODELS.build(loss)
        if not hasattr(self.loss_module, 'penalty'):
            raise ValueError(f'SAIMPixelHead: loss {loss.get("type")!r} gives no per-value '
                             "`penalty`; use mmpretrain's PixelReconstructionLoss (L2 or L1)")

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is None:
            for m in self.predictor:
                if isinstance(m, nn.Linear):
                    nn.init.xavier_uniform_(m.weight)
                    nn.init.constant_(m.bias, 0)

    def predict(self, feats: torch.Tensor) -> torch.Tensor:
        """(B, N, D) features -> (B, N, p^2 * C) pixel predictions."""
        return self.predictor(self.norm(feats))

    def smooth(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> the blurred images (unchanged without ``blur``)."""
        return images if self.blur is None else self.blur(images)

    def construct_target(self, images: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) normalized images -> (B, N, p^2 * C) target patches."""
        target = patchify(self.smooth(images), self.patch_size)
        return normalize_patches(target) if self.norm_pix else target

    def patch_losses(self, feats: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
        """The loss of every patch, (B, N) in patch order: the loss module's per-value
        ``penalty`` (squared error) between the predictions from ``feats`` and the target,
        averaged over the patch's values. Their mean is :meth:`loss`."""
        target = self.construct_target(images)
        return self.loss_module.penalty(self.predict(feats).float(), target.float()).mean(-1)

    def loss(self, feats: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
        """MSE between the predictions from ``feats`` (patch order) and the target, over all
        patches and values."""
        return self.patch_losses(feats, images).mean()
