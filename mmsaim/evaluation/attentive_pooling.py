"""Attentive pooling: the read-out of an attentive probe on frozen patch tokens."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class AttentivePooling(BaseModule):
    """One learned query attends over an image's patch tokens: the pooled feature.

    The read-out of an attentive probe (as AIM, El-Nouby et al. 2024, evaluates
    autoregressive encoders): where a linear probe reads one fixed summary of the tokens
    (``cls``, or their mean), the probe learns where to look. Per image::

        x = BatchNorm(tokens)                           # per channel, no affine
        k, v = x W_k, x W_v                             # (N, D) each
        pooled = concat_h softmax(q_h k_h^T / sqrt(d)) v_h

    with one learned query ``q`` (D, ) split into ``num_heads`` heads of width d. There is
    no query projection (the query itself is learned) and no output projection (a linear
    classifier follows: mmpretrain's ``LinearClsHead`` in an ``ImageClassifier``, whose
    backbone is ``PrecomputedFeatures`` over an ``EncoderFeatureDataset`` of
    ``'patches'``).

    Args:
        in_channels (int): the token width D.
        num_heads (int): Defaults to 1.
        qkv_bias (bool): biases of the key and value projections. Defaults to False.
        init_cfg (dict, optional): Defaults to None.

    Shapes: ((B, N, D), ) -> ((B, D), ).
    """

    def __init__(self,
                 in_channels: int,
                 num_heads: int = 1,
                 qkv_bias: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if in_channels % num_heads:
            raise ValueError(f'AttentivePooling: num_heads={num_heads} does not divide '
                             f'in_channels={in_channels}')
        self.num_heads = num_heads
        self.norm = nn.BatchNorm1d(in_channels, affine=False, eps=1e-6)
        self.key = nn.Linear(in_channels, in_channels, bias=qkv_bias)
        self.value = nn.Linear(in_channels, in_channels, bias=qkv_bias)
        self.query = nn.Parameter(torch.zeros(1, 1, in_channels))

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is None:
            nn.init.trunc_normal_(self.query, std=.02)

    def forward(self, inputs: Tuple[torch.Tensor]) -> Tuple[torch.Tensor]:
        tokens = inputs[-1]
        B, N, D = tokens.shape
        x = self.norm(tokens.transpose(1, 2)).transpose(1, 2)

        def heads(t: torch.Tensor) -> torch.Tensor:  # (B, L, D) -> (B, heads, L, D / heads)
            return t.reshape(t.shape[0], t.shape[1], self.num_heads, -1).transpose(1, 2)

        pooled = F.scaled_dot_product_attention(
            heads(self.query.expand(B, -1, -1)), heads(self.key(x)), heads(self.value(x)))
        return (pooled.transpose(1, 2).reshape(B, D), )
