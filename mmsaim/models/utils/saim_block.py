"""The transformer block of both SAIM streams, and of every model the encoder goes into."""
from typing import List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import ModuleList
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
from mmpretrain.models.utils import MultiheadAttention
from torch.utils.checkpoint import checkpoint


def attention_probabilities(q: torch.Tensor, k: torch.Tensor,
                            attn_mask: Optional[torch.Tensor] = None,
                            is_causal: bool = False) -> torch.Tensor:
    """``softmax(q k^T / sqrt(d))`` of (B, H, L, d) queries and (B, H, S, d) keys: (B, H, L, S).

    ``attn_mask`` is boolean (True where a query may attend) or an additive float bias, as
    ``F.scaled_dot_product_attention`` takes it; ``is_causal`` lets query i attend to keys
    0..i.
    """
    scores = (q @ k.transpose(-2, -1)) * q.shape[-1]**-0.5
    if is_causal:
        attn_mask = torch.ones(scores.shape[-2:], dtype=torch.bool, device=q.device).tril()
    if attn_mask is not None and attn_mask.dtype == torch.bool:
        scores = scores.masked_fill(~attn_mask, float('-inf'))
    elif attn_mask is not None:
        scores = scores + attn_mask
    return scores.softmax(dim=-1)


class SAIMAttention(MultiheadAttention):
    """mmpretrain's ``MultiheadAttention`` (its modules and parameter names ``qkv``, ``proj``)
    whose forward attends to the sequence itself or to a context, under a mask.

    For self-attention ``qkv`` projects the sequence to queries, keys and values; for
    cross-attention its query rows project the sequence and its key / value rows the context.
    The attention itself is ``F.scaled_dot_product_attention``: with ``is_causal`` and no
    mask, fused kernels that keep O(L) memory and skip the masked half. With ``recorded`` set
    to a list, every call appends ``('self' | 'cross', probabilities (B, heads, L, S))`` (use
    it without grad: a checkpointed block runs twice when gradients flow). Built by
    :class:`SAIMBlock`, without attention dropout, layer scale or ``v_shortcut``.

    Shapes: x (B, L, D), context (B, S, D) or None (S = L), attn_mask broadcastable to
    (B, heads, L, S) -> (B, L, D).
    """
    recorded: Optional[List[Tuple[str, torch.Tensor]]] = None

    def forward(self, x: torch.Tensor, context: Optional[torch.Tensor] = None,
                attn_mask: Optional[torch.Tensor] = None,
                is_causal: bool = False) -> torch.Tensor:
        if context is None:
            q, k, v = self.qkv(x).chunk(3, dim=-1)
        else:
            D, bias = x.shape[-1], self.qkv.bias
            q = F.linear(x, self.qkv.weight[:D], None if bias is None else bias[:D])
            k, v = F.linear(context, self.qkv.weight[D:],
                            None if bias is None else bias[D:]).chunk(2, dim=-1)
        q, k, v = (t.unflatten(-1, (self.num_heads, -1)).transpose(1, 2) for t in (q, k, v))
        if self.recorded is not None:
            self.recorded.append(('self' if context is None else 'cross',
                                  attention_probabilities(q, k, attn_mask, is_causal)))
        x = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=is_causal)
        return self.out_drop(self.proj_drop(self.proj(x.transpose(1, 2).flatten(2))))


class SAIMBlock(TransformerEncoderLayer):
    """mmpretrain's ViT layer whose attention (:class:`SAIMAttention`) also attends to a
    context, under any mask::

        x = x + DropPath(Attn(q = LN1(x), kv = LN1(context or x), attn_mask | is_causal))
        x = x + DropPath(FFN(LN2(x)))

    A ``TransformerEncoderLayer`` (its ``ln1``, ``ln2``, ``ffn`` and initialization), with
    mmpretrain's BEiT layer's pattern of overwriting the attention: the same parameter names
    (``attn.qkv``, ``attn.proj``, ``ffn.layers.0.0``, ``ffn.layers.1``), so its weights load
    into a stock ``VisionTransformer``. The content stream calls it with ``is_causal`` (or
    the paper's mask), the query stream with the content states as ``context``
    (cross-attention with the same ``LN1``, as SAIM's reference code), the windowed backbone
    with a window mask. ``grad_checkpointing`` recomputes the block in the backward pass
    instead of keeping its activations.

    Args:
        embed_dims (int): D.
        num_heads (int): attention heads.
        feedforward_channels (int): FFN hidden width.
        drop_rate (float): dropout after the attention and FFN projections. Defaults to 0.
        drop_path_rate (float): stochastic depth of both branches. Defaults to 0.
        qkv_bias (bool): Defaults to True.
        norm_cfg (dict): Defaults to LN with eps 1e-6.
        init_cfg (dict, optional): Defaults to None.

    Shapes: x (B, L, D), context (B, S, D) -> (B, L, D).
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 qkv_bias: bool = True,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 init_cfg: Optional[dict] = None):
        super().__init__(embed_dims, num_heads, feedforward_channels, drop_rate=drop_rate,
                         drop_path_rate=drop_path_rate, qkv_bias=qkv_bias, norm_cfg=norm_cfg,
                         init_cfg=init_cfg)
        self.attn = SAIMAttention(embed_dims, num_heads, proj_drop=drop_rate, qkv_bias=qkv_bias,
                                  dropout_layer=dict(type='DropPath', drop_prob=drop_path_rate))
        self.grad_checkpointing = False

    def forward(self, x: torch.Tensor, context: Optional[torch.Tensor] = None,
                attn_mask: Optional[torch.Tensor] = None,
                is_causal: bool = False) -> torch.Tensor:
        if self.grad_checkpointing and torch.is_grad_enabled():
            return checkpoint(self._forward, x, context, attn_mask, is_causal,
                              use_reentrant=False)
        return self._forward(x, context, attn_mask, is_causal)

    def _forward(self, x, context, attn_mask, is_causal):
        kv = None if context is None else self.ln1(context)
        x = x + self.attn(self.ln1(x), kv, attn_mask, is_causal)
        return self.ffn(self.ln2(x), identity=x)


def vit_blocks(arch: dict, drop_rate: float = 0., drop_path_rate: float = 0.,
               qkv_bias: bool = True,
               norm_cfg: dict = dict(type='LN', eps=1e-6)) -> ModuleList:
    """The blocks of a ViT of ``arch`` (mmpretrain's ``embed_dims``, ``num_layers``,
    ``num_heads``, ``feedforward_channels``), stochastic depth rising linearly to
    ``drop_path_rate`` as in mmpretrain's ``VisionTransformer``."""
    return ModuleList(
        SAIMBlock(arch['embed_dims'], arch['num_heads'], arch['feedforward_channels'],
                  drop_rate, rate, qkv_bias, norm_cfg)
        for rate in np.linspace(0, drop_path_rate, arch['num_layers']).tolist())


class SAIMStream:
    """What a stream of :class:`SAIMBlock` s (``self.layers``) can be set to do; ``SAIM`` sets
    both of its streams alike.

    - ``residual_in_autocast_dtype``: under autocast, hold the residual stream in the
      autocast dtype (fp16 / bf16) instead of fp32 (LayerNorm still computes in fp32).
    - :meth:`set_grad_checkpointing` and :meth:`compile_blocks`. A query stream that runs the
      encoder's blocks (``share_encoder_blocks``) has no blocks of its own: the encoder's
      checkpointing and compilation apply to both of their passes.
    """
    residual_in_autocast_dtype = False

    def set_grad_checkpointing(self, every: int = 1) -> None:
        """Recompute blocks 0, k, 2k, ... (k = ``every``) in the backward pass; 0: none."""
        if not isinstance(every, int) or every < 0:
            raise ValueError(f'checkpoint_every={every!r}: give 0 (no activation '
                             'checkpoints), 1 (every block) or k (every k-th block)')
        for i, block in enumerate(self.layers or ()):
            block.grad_checkpointing = bool(every) and i % every == 0

    def compile_blocks(self, **compile_cfg) -> None:
        """Regional ``torch.compile`` of each block (``compile_cfg``: its arguments). The
        blocks share their code and shapes, so one compilation serves them all."""
        for block in self.layers or ():
            block.compile(**compile_cfg)

    def to_residual_dtype(self, x: torch.Tensor) -> torch.Tensor:
        """A stream's input in the dtype its residual stream is held in."""
        device = x.device.type
        if self.residual_in_autocast_dtype and torch.is_autocast_enabled(device):
            return x.to(torch.get_autocast_dtype(device))
        return x
