from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
from mmpretrain.registry import MODELS

from ..utils import BlockRunner, Layout, check_supported_blocks


@MODELS.register_module()
class SAIMQueryDecoder(BaseModule):
    """SAIM query stream: position queries that read the content stream, block by block.

    The input is the position embedding alone (``g0 = E``: no image content, no mask token).
    Decoder block k (1-based) reads the OUTPUT of encoder block ``m = k * M / M_d``::

        g = g + CrossAttn(q=LN1(g), kv=LN1(h^m))    # query i sees cls and earlier patches
        g = g + MLP(LN2(g))

    There is no self-attention among queries. The blocks have the encoder blocks' layout, so
    ``share_encoder_blocks=True`` runs the query stream with the weights of the encoder block
    it reads (the two-stream, XLNet-style ablation) and owns no parameters.

    A light query stream is shallower (``depth`` < M: evenly spaced encoder blocks) and/or
    narrower: with ``embed_dims`` D_q below the encoder's ``encoder_dims`` D, block k first
    projects the states it reads to D_q (``context_projs[k]``, a linear layer, as MAE's
    decoder projects the encoder's output), and the queries are the fixed sin-cos position
    embeddings of width D_q.

    Args:
        embed_dims (int): the query stream's width D_q. Defaults to 768.
        num_heads (int): Defaults to 12.
        depth (int, optional): number of query blocks M_d; defaults to the length of
            ``attach_to`` if given, else to ``encoder_depth`` (one query block per encoder
            block).
        encoder_depth (int): number of encoder blocks M (:class:`SAIM` sets it from the
            backbone). Defaults to 12.
        encoder_dims (int, optional): the encoder's width D; defaults to ``embed_dims``.
        attach_to (Sequence[int], optional): 0-based encoder block read by each query block;
            defaults to ``k * M / M_d - 1`` for k = 1..M_d.
        mlp_ratio (float): Defaults to 4.
        share_encoder_blocks (bool): Defaults to False.
        norm_cfg (dict): Defaults to LN with eps 1e-6.
        init_cfg (dict, optional): Defaults to None.

    Shapes: position embeddings (1 or B, N, D_q) and the encoder's hidden states
    (B, 1 + N, D) each -> (B, N, D_q); N patches in patch order.
    """

    def __init__(self,
                 embed_dims: int = 768,
                 num_heads: int = 12,
                 depth: Optional[int] = None,
                 encoder_depth: int = 12,
                 encoder_dims: Optional[int] = None,
                 attach_to: Optional[Sequence[int]] = None,
                 mlp_ratio: float = 4.,
                 share_encoder_blocks: bool = False,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        encoder_dims = encoder_dims or embed_dims
        if depth is None:
            depth = encoder_depth if attach_to is None else len(attach_to)
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims={embed_dims} is not a multiple of '
                             f'num_heads={num_heads}; give the query stream a num_heads '
                             'that divides its width')
        if share_encoder_blocks and embed_dims != encoder_dims:
            raise ValueError(f'share_encoder_blocks=True runs the encoder blocks, of width '
                             f'{encoder_dims}; leave embed_dims={embed_dims} out')
        if attach_to is None:
            if encoder_depth % depth:
                raise ValueError(f'depth={depth} does not divide encoder_depth='
                                 f'{encoder_depth}; give attach_to explicitly')
            attach_to = [k * encoder_depth // depth - 1 for k in range(1, depth + 1)]
        if len(attach_to) != depth or not all(0 <= m < encoder_depth for m in attach_to):
            raise ValueError(f'attach_to={list(attach_to)} must name {depth} encoder blocks '
                             f'in [0, {encoder_depth})')
        self.attach_to = list(attach_to)
        self.embed_dims = embed_dims
        self.share_encoder_blocks = share_encoder_blocks
        # Only a narrower stream has projections: the default keeps its parameter names.
        self.context_projs = None if embed_dims == encoder_dims else nn.ModuleList(
            nn.Linear(encoder_dims, embed_dims) for _ in range(depth))
        if share_encoder_blocks:
            self.layers = None
        else:
            self.layers = nn.ModuleList(
                TransformerEncoderLayer(
                    embed_dims=embed_dims,
                    num_heads=num_heads,
                    feedforward_channels=int(mlp_ratio * embed_dims),
                    norm_cfg=norm_cfg) for _ in range(depth))
            check_supported_blocks(self.layers, type(self).__name__)

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is None:
            for m in self.modules():
                if isinstance(m, nn.Linear):
                    nn.init.xavier_uniform_(m.weight)
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)

    def forward(self,
                pos_embed: torch.Tensor,
                hidden_states: Sequence[torch.Tensor],
                layout: Layout,
                encoder_layers: Optional[nn.ModuleList] = None,
                run_block: Optional[BlockRunner] = None) -> torch.Tensor:
        """Run the query stream.

        Args:
            pos_embed (Tensor): (1 or B, N, D_q) position embeddings of the patches, in
                patch order: the queries.
            hidden_states (Sequence[Tensor]): every encoder block's output, (B, 1 + N, D),
                laid out by ``layout``.
            layout (Layout): the step's prediction order and how the stream runs under it.
            encoder_layers (nn.ModuleList, optional): the encoder's blocks; required when
                ``share_encoder_blocks``.
            run_block (BlockRunner, optional): how the blocks run (compiled, checkpointed);
                defaults to plainly.

        Returns:
            Tensor: (B, N, D_q), the features that predict each patch, in patch order.
        """
        if self.share_encoder_blocks:
            if encoder_layers is None:
                raise ValueError('share_encoder_blocks=True needs the encoder blocks')
            layers = [encoder_layers[m] for m in self.attach_to]
        else:
            layers = self.layers
        run_block = run_block or BlockRunner()
        g = run_block.residual(layout.from_patch_order(pos_embed))
        for k, (layer, m) in enumerate(zip(layers, self.attach_to)):
            context = layout.query_context(hidden_states[m])
            if self.context_projs is not None:
                context = self.context_projs[k](context)
            g = run_block(k, layer, g, context, **layout.query_attention)
        return layout.to_patch_order(g)
