"""Attention through mmpretrain's own ViT layers, with the masks SAIM needs.

The pretraining encoder, the query-stream decoder and every downstream model run the blocks of
mmpretrain's ``TransformerEncoderLayer`` (names ``ln1``, ``attn.qkv``, ``attn.proj``, ``ln2``,
``ffn``) through :func:`transformer_block`, so one checkpoint loads everywhere.
"""
from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
from mmpretrain.models.utils import MultiheadAttention


def _split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(B, L, H * d) -> (B, H, L, d)."""
    B, L, _ = x.shape
    return x.view(B, L, num_heads, -1).transpose(1, 2)


def attention_probabilities(q: torch.Tensor, k: torch.Tensor,
                            attn_mask: Optional[torch.Tensor] = None,
                            is_causal: bool = False) -> torch.Tensor:
    """``softmax(q k^T / sqrt(d))`` of (B, H, L, d) queries and (B, H, S, d) keys: (B, H, L, S).

    ``attn_mask`` is boolean (True where a query may attend) or an additive float bias, as
    in :func:`multihead_attention`; ``is_causal`` lets query i attend to keys 0..i.
    """
    scores = (q @ k.transpose(-2, -1)) * q.shape[-1]**-0.5
    if is_causal:
        L, S = scores.shape[-2:]
        attn_mask = torch.ones(L, S, dtype=torch.bool, device=q.device).tril()
    if attn_mask is not None and attn_mask.dtype == torch.bool:
        scores = scores.masked_fill(~attn_mask, float('-inf'))
    elif attn_mask is not None:
        scores = scores + attn_mask
    return scores.softmax(dim=-1)


# The attention modules whose probabilities are being recorded (see record_attention).
_RECORDINGS: Dict[int, List[Tuple[str, torch.Tensor]]] = {}


@contextmanager
def record_attention(attn: MultiheadAttention) -> Iterator[List[Tuple[str, torch.Tensor]]]:
    """Record what ``attn`` attends to while the block runs.

    Yields a list that every call of :func:`multihead_attention` with ``attn`` extends by
    ``(kind, probabilities)``: ``kind`` is ``'self'`` or ``'cross'`` (with a ``context``;
    a query-stream block), the probabilities are (B, heads, L, S) as
    :func:`attention_probabilities` gives them, computed without dropout. A block shared by
    both streams records both calls, in the order they run.
    """
    calls: List[Tuple[str, torch.Tensor]] = []
    _RECORDINGS[id(attn)] = calls
    try:
        yield calls
    finally:
        del _RECORDINGS[id(attn)]


def multihead_attention(attn: MultiheadAttention,
                        x: torch.Tensor,
                        context: Optional[torch.Tensor] = None,
                        attn_mask: Optional[torch.Tensor] = None,
                        is_causal: bool = False,
                        reference: bool = False) -> torch.Tensor:
    """Run ``attn``'s projections as self- or cross-attention.

    Args:
        attn: an mmpretrain ``MultiheadAttention`` (its ``qkv`` and ``proj`` weights are used).
        x: queries, (B, L, D).
        context: keys and values, (B, S, D); ``None`` for self-attention (S = L). For
            cross-attention the query rows of ``qkv`` project ``x`` and its key/value rows
            project ``context``.
        attn_mask: (B or 1, heads or 1, L, S), boolean (True where a query may attend) or
            an additive float bias.
        is_causal: query i attends to keys 0..i (fused path, no ``attn_mask``).
        reference: compute explicitly (scores, ``-inf`` where a boolean mask is False,
            plain softmax) instead of with ``F.scaled_dot_product_attention`` (fused kernels,
            O(L) memory); SAIM's explicit-mask path uses it as the reference.

    Returns:
        (B, L, D), after the output projection (and its dropout / layer scale).
    """
    D, num_heads = attn.embed_dims, attn.num_heads
    if context is None:
        q, k, v = attn.qkv(x).chunk(3, dim=-1)
    else:
        w_q, w_kv = attn.qkv.weight.split([D, 2 * D])
        b_q, b_kv = (None, None) if attn.qkv.bias is None else attn.qkv.bias.split([D, 2 * D])
        q = F.linear(x, w_q, b_q)
        k, v = F.linear(context, w_kv, b_kv).chunk(2, dim=-1)
    q, k, v = (_split_heads(t, num_heads) for t in (q, k, v))
    dropout_p = attn.attn_drop if attn.training else 0.
    # Look the module up only while something records: compiled blocks then guard on the
    # (empty) registry alone, not on each block's identity, and one graph serves all blocks.
    recording = _RECORDINGS.get(id(attn)) if _RECORDINGS else None
    if recording is not None:
        recording.append(('self' if context is None else 'cross',
                          attention_probabilities(q, k, attn_mask, is_causal)))
    if not reference:
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=attn_mask, dropout_p=dropout_p, is_causal=is_causal)
    else:
        out = F.dropout(attention_probabilities(q, k, attn_mask, is_causal), dropout_p) @ v
    out = out.transpose(1, 2).flatten(2)
    return attn.out_drop(attn.gamma1(attn.proj_drop(attn.proj(out))))


def check_supported_blocks(layers: Iterable[nn.Module], owner: str) -> None:
    """Refuse, at build time, blocks with options :func:`transformer_block` does not run.

    It runs mmpretrain's ``TransformerEncoderLayer`` with either FFN type, layer scale, drop
    path and dropout, as the layer's own ``forward`` does. Attention built with
    ``v_shortcut`` or ``qk_scale`` (which that layer never builds) is refused; mmpretrain's
    own ``qk_scale`` path divides by the scale instead of multiplying and applies dropout
    in eval mode, so there is no behaviour to match.
    """
    for i, layer in enumerate(layers):
        if not isinstance(layer, TransformerEncoderLayer):
            raise TypeError(f'{owner}: block {i} is a {type(layer).__name__}; SAIM runs '
                            'mmpretrain TransformerEncoderLayer blocks')
        for option, used in (('v_shortcut', layer.attn.v_shortcut),
                             ('qk_scale', layer.attn.scaled_dot_product_attention
                              is not F.scaled_dot_product_attention)):
            if used:
                raise ValueError(f'{owner}: block {i} uses {option} attention, which SAIM\'s '
                                 'block runner does not implement')


def transformer_block(layer: TransformerEncoderLayer,
                      x: torch.Tensor,
                      context: Optional[torch.Tensor] = None,
                      **attn_kwargs) -> torch.Tensor:
    """One pre-norm ViT block; with ``context`` it is a query-stream (cross-attention) block.

    ``x = x + Attn(q=LN1(x), kv=LN1(context or x)); x = x + FFN(LN2(x))``. (B, L, D) -> (B, L, D).
    """
    kv = None if context is None else layer.ln1(context)
    x = x + multihead_attention(layer.attn, layer.ln1(x), kv, **attn_kwargs)
    return layer.ffn(layer.ln2(x), identity=x)
