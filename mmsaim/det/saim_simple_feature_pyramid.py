import math
from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.models.utils import LayerNorm2d


def _rescale(in_channels: int, scale: float) -> nn.Module:
    """Stride change of a single-scale map: 2x steps up with deconvolutions, down by pooling."""
    if scale == 1:
        return nn.Identity()
    if scale < 1:
        return nn.MaxPool2d(kernel_size=round(1 / scale), stride=round(1 / scale))
    layers, channels = [], in_channels
    for step in range(round(math.log2(scale))):
        if step:
            layers += [LayerNorm2d(channels), nn.GELU()]
        layers.append(nn.ConvTranspose2d(channels, channels // 2, 2, stride=2))
        channels //= 2
    return nn.Sequential(*layers)


class SAIMSimpleFeaturePyramid(BaseModule):
    """A feature pyramid from one plain-ViT map (Li et al. 2021 / ViTDet "simple pyramid").

    Each scale s in ``scales`` resamples the single-scale map (deconvolutions for s > 1,
    max-pooling for s < 1), then a 1x1 and a 3x3 convolution with LayerNorm bring it to
    ``out_channels``. ``num_outs`` beyond ``len(scales)`` adds stride-2 max-pooled levels for
    the RPN (as FPN's extra outputs).

    Registered as ``SAIMSimpleFeaturePyramid`` in mmdet's ``MODELS`` by :mod:`mmsaim.det`.

    Args:
        in_channels (int): backbone width D.
        out_channels (int): Defaults to 256.
        scales (Sequence[float]): Defaults to (4, 2, 1, 0.5), strides 4..32 from a
            stride-16 map.
        num_outs (int): Defaults to 5.

    Shapes: a tuple holding one (B, D, h, w) map -> ``num_outs`` maps (B, out_channels,
    h * s, w * s).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 256,
                 scales: Sequence[float] = (4, 2, 1, 0.5),
                 num_outs: int = 5,
                 init_cfg=dict(type='Xavier', layer=['Conv2d', 'ConvTranspose2d'],
                               distribution='uniform')):
        super().__init__(init_cfg=init_cfg)
        self.num_outs = num_outs
        self.levels = nn.ModuleList()
        for scale in scales:
            rescale = _rescale(in_channels, scale)
            channels = in_channels // int(max(scale, 1))
            self.levels.append(nn.Sequential(
                rescale,
                nn.Conv2d(channels, out_channels, 1, bias=False), LayerNorm2d(out_channels),
                nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
                LayerNorm2d(out_channels)))

    def forward(self, inputs: Tuple[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        x = inputs[-1]
        outs = [level(x) for level in self.levels]
        while len(outs) < self.num_outs:
            outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)
