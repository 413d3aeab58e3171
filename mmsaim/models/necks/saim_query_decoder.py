from typing import List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule, ModuleList
from mmpretrain.registry import MODELS

from ..utils import SAIMBlock, SAIMStream, gather_tokens, permutation_ranks, query_mask


@MODELS.register_module()
class SAIMQueryDecoder(SAIMStream, BaseModule):
    """SAIM query stream: position queries that read the content stream, block by block.

    Built from the encoder it reads (``SAIM`` passes it): its depth M, width D and heads.
    The input is the position embedding alone (``g0 = E``, the encoder's fixed sin-cos
    embedding at the query width: no image content, no mask token), which ``SAIM`` gives.
    Decoder block k (1-based) reads the OUTPUT of encoder block ``m = k * M / M_d``::

        g = g + CrossAttn(q=LN1(g), kv=LN1(h^m))    # query i sees cls and earlier patches
        g = g + MLP(LN2(g))

    There is no self-attention among queries. The queries ``[e_z1, ..., e_zN]``, in the
    prediction order z, attend to ``[cls, h_z1, ..., h_z(N-1)]`` causally, index to index;
    with ``explicit_masks`` (which ``SAIM`` passes to both streams), in patch order under
    :func:`query_mask`, as the encoder then lays its states out. The blocks are
    :class:`SAIMBlock` s, so ``share_encoder_blocks=True`` runs the query stream with the
    weights of the encoder block it reads (the two-stream, XLNet-style ablation) and owns
    no parameters.

    A light query stream is shallower (``depth`` < M: evenly spaced encoder blocks) and/or
    narrower: with ``embed_dims`` D_q below D, block k first projects the states it reads
    to D_q (``context_projs[k]``, a linear layer, as MAE's decoder projects the encoder's
    output), and the queries are the sin-cos embeddings of width D_q.

    Args:
        encoder (SAIMViT): the content stream (given by ``SAIM``, not by the config).
        embed_dims (int, optional): D_q; defaults to the encoder's width.
        num_heads (int, optional): defaults to the encoder's heads.
        depth (int, optional): M_d; defaults to the length of ``attach_to`` if given, else
            to the encoder's depth (one query block per encoder block).
        attach_to (Sequence[int], optional): 0-based encoder block read by each query block;
            defaults to ``floor(k * M / M_d) - 1`` for k = 1..M_d.
        mlp_ratio (float): Defaults to 4.
        share_encoder_blocks (bool): Defaults to False.
        norm_cfg (dict): Defaults to LN with eps 1e-6.
        init_cfg (dict): Defaults to xavier-uniform weights and zero biases of every linear
            layer (then each block's FFN is initialized as mmpretrain's ViT layers are).

    Shapes: the encoder's hidden states (B, 1 + N, D) each, the permutation (B, N) and the
    queries (1, N, D_q) -> (B, N, D_q), the features that predict each patch, in patch
    order.
    """

    def __init__(self,
                 encoder: nn.Module,
                 embed_dims: Optional[int] = None,
                 num_heads: Optional[int] = None,
                 depth: Optional[int] = None,
                 attach_to: Optional[Sequence[int]] = None,
                 mlp_ratio: float = 4.,
                 share_encoder_blocks: bool = False,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 init_cfg: dict = dict(type='Xavier', layer='Linear', distribution='uniform')):
        super().__init__(init_cfg=init_cfg)
        encoder_depth, encoder_dims = encoder.num_layers, encoder.embed_dims
        self.embed_dims = embed_dims = embed_dims or encoder_dims
        num_heads = num_heads or encoder.arch_settings['num_heads']
        if depth is None:
            depth = encoder_depth if attach_to is None else len(attach_to)
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims={embed_dims} is not a multiple of '
                             f'num_heads={num_heads}; give the query stream a num_heads '
                             'that divides its width')
        if share_encoder_blocks and embed_dims != encoder_dims:
            raise ValueError(f'share_encoder_blocks=True runs the encoder blocks, of width '
                             f'{encoder_dims}; leave embed_dims={embed_dims} out')
        if attach_to is None:  # evenly spaced, the last encoder block last
            attach_to = [k * encoder_depth // depth - 1 for k in range(1, depth + 1)]
        if len(attach_to) != depth or not all(0 <= m < encoder_depth for m in attach_to):
            raise ValueError(f'attach_to={list(attach_to)} must name {depth} encoder blocks '
                             f'in [0, {encoder_depth})')
        self.attach_to = list(attach_to)
        # Only a narrower stream has projections: the default keeps its parameter names.
        self.context_projs = None if embed_dims == encoder_dims else nn.ModuleList(
            nn.Linear(encoder_dims, embed_dims) for _ in range(depth))
        self.layers = None if share_encoder_blocks else ModuleList(
            SAIMBlock(embed_dims, num_heads, int(mlp_ratio * embed_dims), norm_cfg=norm_cfg)
            for _ in range(depth))
        # Shared blocks are read, not owned (a plain list: not parameters of this stream too).
        self._encoder_blocks = ([encoder.layers[m] for m in self.attach_to]
                                if share_encoder_blocks else None)

    @property
    def blocks(self) -> List[SAIMBlock]:
        """The blocks the stream runs: its own, or the encoder blocks it reads."""
        return self._encoder_blocks if self.layers is None else list(self.layers)

    @property
    def share_encoder_blocks(self) -> bool:
        return self.layers is None

    def forward(self, hidden_states: Sequence[torch.Tensor], permutation: torch.Tensor,
                queries: torch.Tensor, explicit_masks: bool = False) -> torch.Tensor:
        """Run the query stream.

        Args:
            hidden_states (Sequence[Tensor]): every encoder block's output, (B, 1 + N, D),
                as the encoder laid it out for ``permutation``.
            permutation (Tensor): (B, N) the prediction order.
            queries (Tensor): (1, N, D_q) the position embedding of every patch, in patch
                order.
            explicit_masks (bool): the encoder's states are in patch order: keep the
                queries in patch order and attend under :func:`query_mask`.

        Returns:
            Tensor: (B, N, D_q), the features that predict each patch, in patch order.
        """
        if explicit_masks:
            attention = dict(attn_mask=query_mask(permutation)[:, None])
            g = queries.expand(permutation.shape[0], -1, -1)
        else:
            attention = dict(is_causal=True)
            g = gather_tokens(queries, permutation)
        g = self.to_residual_dtype(g)
        for k, (block, m) in enumerate(zip(self.blocks, self.attach_to)):
            context = hidden_states[m] if explicit_masks else hidden_states[m][:, :-1]
            if self.context_projs is not None:
                context = self.context_projs[k](context)
            g = block(g, context, **attention)
        return g if explicit_masks else gather_tokens(g, permutation_ranks(permutation))
