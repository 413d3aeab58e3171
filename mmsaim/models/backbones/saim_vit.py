from typing import Optional, Sequence, Tuple, Union

import torch
from mmpretrain.models import VisionTransformer
from mmpretrain.models.utils import build_2d_sincos_position_embedding
from mmpretrain.registry import MODELS

from ..utils import SAIMStream, content_mask, gather_tokens, vit_blocks
from ..utils.pretrained_encoder import load_pretrained_encoder, split_pretrained


@MODELS.register_module()
class SAIMViT(SAIMStream, VisionTransformer):
    """SAIM encoder (content stream): a plain ViT with fixed 2-D sin-cos position embeddings.

    Parameter names are those of mmpretrain's ``VisionTransformer`` (``patch_embed.projection``,
    ``cls_token``, ``pos_embed``, ``layers.N.{ln1, attn.qkv, attn.proj, ln2, ffn}``, ``ln1``):
    its blocks are :class:`SAIMBlock` s, which have mmpretrain's layout, so a pretraining
    checkpoint loads into a stock ``VisionTransformer`` with
    ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``.

    Besides mmpretrain's archs, ``'t'/'tiny'`` and ``'s'/'small'`` are ViT-T/16 and ViT-S/16
    (mmpretrain's ``'deit-tiny'`` and ``'deit-small'`` shapes; use those names to load the
    weights into a stock ``VisionTransformer``).

    ``forward(x)`` is the ordinary ViT (full attention, fine-tuning and feature extraction).
    ``forward(x, permutation)`` is the pretraining content stream: every token attends only
    to ``cls`` and the patches predicted no later than itself, and the output of every block
    is returned for the query stream. The sequence is ``[cls, s_z1, ..., s_zN]`` in the
    prediction order ``z`` with causal attention; with ``explicit_masks`` (the reference
    computation, the same features, which ``SAIM(explicit_masks=True)`` asks of both
    streams) it stays in patch order under :func:`content_mask`.

    The position embeddings are fixed sin-cos and the final norm ``ln1`` is not part of the
    pretraining graph (the query stream reads raw block outputs): :class:`SAIM` freezes both,
    and ``ln1`` stays at identity, so checkpoints carry every ``VisionTransformer`` key.
    Fine-tuning configs use this class too and learn both. With a ``Pretrained`` init_cfg
    every weight must load (see :meth:`init_weights`).

    Args:
        arch (str | dict): ViT arch name or dict with ``embed_dims``, ``num_layers``,
            ``num_heads``, ``feedforward_channels``. Defaults to ``'b'``.
        img_size (int | tuple): pretraining image size. Defaults to 224.
        patch_size (int): Defaults to 16.
        drop_rate, drop_path_rate, qkv_bias, norm_cfg: of the blocks, as
            ``VisionTransformer``'s.
        **kwargs: the other arguments of ``VisionTransformer`` (not ``layer_cfgs`` or
            ``layer_scale_init_value``: the blocks are SAIM's).
    """
    arch_zoo = {
        **VisionTransformer.arch_zoo,
        **dict.fromkeys(['t', 'tiny'], VisionTransformer.arch_zoo['deit-tiny']),
        **dict.fromkeys(['s', 'small'], VisionTransformer.arch_zoo['deit-small']),
    }

    def __init__(self,
                 arch: Union[str, dict] = 'b',
                 img_size: Union[int, Sequence[int]] = 224,
                 patch_size: int = 16,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 qkv_bias: bool = True,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 **kwargs):
        refused = {'layer_cfgs', 'layer_scale_init_value'} & set(kwargs)
        if refused:
            raise TypeError(f'{type(self).__name__} takes no {sorted(refused)}: its blocks are '
                            'SAIMBlocks')
        super().__init__(arch=arch, img_size=img_size, patch_size=patch_size,
                         drop_rate=drop_rate, norm_cfg=norm_cfg, with_cls_token=True,
                         **kwargs)
        self.patch_size = patch_size
        self.layers = vit_blocks(self.arch_settings, drop_rate, drop_path_rate, qkv_bias,
                                 norm_cfg)
        if self.frozen_stages > 0:
            self._freeze_stages()

    def init_weights(self) -> None:
        """Sin-cos position embeddings, xavier patch projection, cls token N(0, 0.02).

        With a ``Pretrained`` ``init_cfg`` every weight is then loaded from the checkpoint,
        and a missing weight or one of another shape is an error
        (:func:`load_pretrained_encoder`), except the LayerNorm that
        ``out_type='avg_featmap'`` adds (``ln2``), which a fine-tune starts fresh. A
        checkpoint made for another grid keeps this model's sin-cos embedding, so the
        position embeddings are always valid.
        """
        pretrained = None
        if self.init_cfg:
            pretrained, self.init_cfg = split_pretrained(self.init_cfg)
        super().init_weights()
        # mmpretrain's sin-cos takes the grid as (w, h); the cls slot is zeros.
        self.pos_embed.data.copy_(build_2d_sincos_position_embedding(
            self.patch_resolution[::-1], self.embed_dims, cls_token=True))
        torch.nn.init.xavier_uniform_(self.patch_embed.projection.weight.data.flatten(1))
        torch.nn.init.normal_(self.cls_token, std=.02)
        if pretrained is not None:
            pooling_norm = ('ln2.', ) if self.out_type == 'avg_featmap' else ()
            load_pretrained_encoder(self, **pretrained, keep_own_pos_embed=True,
                                    allow_missing=pooling_norm)
            self.init_cfg = dict(type='Pretrained', **pretrained)

    def patch_pos_embed(self, grid: Tuple[int, int],
                        embed_dims: Optional[int] = None) -> torch.Tensor:
        """Fixed 2-D sin-cos embeddings of an (h, w) patch grid, (1, h * w, C), patches in
        raster order, without the cls slot.

        ``C`` is ``embed_dims``, by default the encoder's width D (then, at the pretraining
        grid, the encoder's own ``pos_embed``); a narrower query stream asks for its width.
        mmpretrain's ``build_2d_sincos_position_embedding`` takes the grid as (w, h).
        """
        embed_dims = embed_dims or self.embed_dims
        if embed_dims == self.embed_dims and tuple(grid) == tuple(self.patch_resolution):
            return self.pos_embed[:, self.num_extra_tokens:]
        return build_2d_sincos_position_embedding(tuple(grid)[::-1], embed_dims).to(self.pos_embed)

    def forward(self, x: torch.Tensor, permutation: Optional[torch.Tensor] = None,
                explicit_masks: bool = False) -> Tuple[torch.Tensor, ...]:
        """Encode images.

        Args:
            x (Tensor): (B, 3, H, W) normalized images.
            permutation (Tensor, optional): (B, N) the prediction order of each image's
                patches (N = H * W / patch_size^2). Without it the model is a plain ViT and
                returns ``VisionTransformer``'s outputs.
            explicit_masks (bool): keep patch order and attend under :func:`content_mask`
                (the reference computation) instead of causally in the prediction order.

        Returns:
            tuple[Tensor]: with ``permutation``, the output of every block, (B, 1 + N, D)
            each: ``cls``, then the patches in prediction order (in patch order with
            ``explicit_masks``).
        """
        if permutation is None:
            return super().forward(x)
        patches, grid = self.patch_embed(x)
        patches = patches + self.patch_pos_embed(grid)
        if explicit_masks:
            attention = dict(attn_mask=content_mask(permutation)[:, None])
        else:
            patches, attention = gather_tokens(patches, permutation), dict(is_causal=True)
        # The cls position slot is all zeros, so cls enters as the bare learned token.
        tokens = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), patches], dim=1)
        tokens = self.to_residual_dtype(self.pre_norm(self.drop_after_pos(tokens)))
        hidden_states = []
        for block in self.layers:
            tokens = block(tokens, **attention)
            hidden_states.append(tokens)
        return tuple(hidden_states)
