"""Attentive pooling: the read-out of an attentive probe on frozen patch tokens."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class AttentivePooling(BaseModule):
    """One learned query attends over an image's patch tokens: the pooled feature.

    The read-out of an attentive probe (as AIM, El-Nouby et al. 2024, evaluates
    autoregressive encoders): where a linear probe reads one fixed summary of the tokens
    (``cls``, or their mean), the probe learns where to look. Per image, with the query
    ``q`` (D, ) and the key and value projections split into ``num_heads`` heads of width
    d = D / heads::

        x = BatchNorm(tokens)                                   # per channel, no affine
        pooled_h = softmax(q_h (x W_k,h)^T / sqrt(d)) (x W_v,h)   # (d, ) per head
        pooled = concat_h pooled_h                               # (D, )

    There is no query projection (the query itself is learned), no output projection (a
    linear classifier follows: mmpretrain's ``LinearClsHead`` in an ``ImageClassifier``,
    whose backbone is ``PrecomputedFeatures`` over an ``EncoderFeatureDataset`` of
    ``'patches'``) and no biases (a key bias would not move the softmax; a value bias is
    the classifier's). It is computed exactly, but without projecting every token: the
    scores are ``x (W_k,h^T q_h)`` and the values are projected after the softmax-weighted
    sum, so a step costs O(N D) per head instead of O(N D^2).

    Args:
        in_channels (int): the token width D.
        num_heads (int): Defaults to 1.
        init_cfg (dict, optional): Defaults to None.

    Shapes: ((B, N, D), ) -> ((B, D), ).
    """

    def __init__(self, in_channels: int, num_heads: int = 1, init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if in_channels % num_heads:
            raise ValueError(f'AttentivePooling: num_heads={num_heads} does not divide '
                             f'in_channels={in_channels}')
        self.num_heads = num_heads
        self.norm = nn.BatchNorm1d(in_channels, affine=False, eps=1e-6)
        self.key = nn.Linear(in_channels, in_channels, bias=False)
        self.value = nn.Linear(in_channels, in_channels, bias=False)
        self.query = nn.Parameter(torch.zeros(in_channels))

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is None:
            nn.init.trunc_normal_(self.query, std=.02)

    def forward(self, inputs: Tuple[torch.Tensor]) -> Tuple[torch.Tensor]:
        tokens = inputs[-1]
        B, N, D = tokens.shape
        heads, width = self.num_heads, D // self.num_heads
        x = self.norm(tokens.transpose(1, 2)).transpose(1, 2)
        # q_h . (W_k,h x) = (W_k,h^T q_h) . x: the query of each head in token space (H, D).
        query = torch.einsum('hd,hdc->hc', self.query.view(heads, width),
                             self.key.weight.view(heads, width, D)) * width**-0.5
        weights = (x @ query.T).softmax(dim=1)  # (B, N, H), over the tokens
        mixed = torch.einsum('bnh,bnc->bhc', weights, x)  # (B, H, D)
        pooled = torch.einsum('bhc,hdc->bhd', mixed, self.value.weight.view(heads, width, D))
        return (pooled.reshape(B, D), )
