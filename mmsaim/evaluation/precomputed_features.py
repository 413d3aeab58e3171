"""The backbone of a classifier trained on features computed once."""
from typing import Tuple

import torch
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.registry import MODELS


@MODELS.register_module()
class PrecomputedFeatures(BaseBackbone):
    """Passes features on, as a backbone's one-stage output.

    With ``EncoderFeatureDataset``, mmpretrain's ``ImageClassifier`` trains its neck and
    head (a linear probe: ``ClsBatchNormNeck`` and ``LinearClsHead``; an attentive probe:
    ``AttentivePooling`` and ``LinearClsHead``) on the features of a frozen encoder,
    computed once, instead of running the encoder every epoch.

    Shapes: (B, ...) -> ((B, ...), ), e.g. (B, D) pooled features or (B, N, D) tokens.
    """

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (x, )
