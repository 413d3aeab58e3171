from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models import VisionTransformer
from mmpretrain.models.utils import resize_pos_embed

from ..utils.pretrained_encoder import load_pretrained_encoder, split_pretrained
from ..utils import vit_blocks


class RelativePositionBias(nn.Module):
    """A learned bias per head for every relative offset inside a (h, w) window (BEiT-style).

    Zero-initialised, so a pretrained encoder starts unchanged. ``forward()`` returns
    (heads, h * w, h * w). mmpretrain's BEiT ``RelativePositionBias`` is not reused: its
    ``forward`` always lays the table out for a ``cls`` token (h * w + 1 rows), and the
    windows here have none.
    """

    def __init__(self, window: Tuple[int, int], num_heads: int):
        super().__init__()
        h, w = window
        self.table = nn.Parameter(torch.zeros((2 * h - 1) * (2 * w - 1), num_heads))
        coords = torch.stack(torch.meshgrid(torch.arange(h), torch.arange(w),
                                            indexing='ij')).flatten(1)  # (2, h * w)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
        index = (rel[..., 0] + h - 1) * (2 * w - 1) + rel[..., 1] + w - 1
        self.register_buffer('index', index, persistent=False)

    def forward(self) -> torch.Tensor:
        return self.table[self.index].permute(2, 0, 1)


def window_partition(x: torch.Tensor, window: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """(B, H, W, C) -> windows (B * nW, window^2, C) and their padding mask (B * nW, window^2).

    The grid is zero-padded at the bottom and right to a multiple of ``window``; the mask is
    True for real tokens.
    """
    B, H, W, C = x.shape
    pad_h, pad_w = -H % window, -W % window
    x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h))
    valid = F.pad(x.new_ones(1, H, W, dtype=torch.bool), (0, pad_w, 0, pad_h))
    Hp, Wp = H + pad_h, W + pad_w

    def split(t):
        t = t.view(t.shape[0], Hp // window, window, Wp // window, window, -1)
        return t.permute(0, 1, 3, 2, 4, 5).reshape(-1, window * window, t.shape[-1])

    return split(x), split(valid[..., None]).squeeze(-1).repeat(B, 1)


def window_unpartition(windows: torch.Tensor, window: int, hw: Tuple[int, int]) -> torch.Tensor:
    """Inverse of :func:`window_partition`: (B * nW, window^2, C) -> (B, H, W, C)."""
    H, W = hw
    Hp, Wp = H + (-H % window), W + (-W % window)
    nh, nw = Hp // window, Wp // window
    x = windows.view(-1, nh, nw, window, window, windows.shape[-1])
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(-1, Hp, Wp, windows.shape[-1])
    return x[:, :H, :W]


class SAIMWindowedViT(VisionTransformer):
    """The SAIM encoder as a dense-prediction backbone (Li et al. 2021, "ViTDet" style).

    Same parameters as the pretraining encoder (``patch_embed``, ``pos_embed``, ``layers``,
    ...), so a SAIM checkpoint loads with ``prefix='backbone.'``; the blocks are the same
    :class:`SAIMBlock` s. For high-resolution inputs the absolute position
    embeddings are interpolated from the pretraining grid, most blocks attend within
    non-overlapping windows (the token grid is padded to a multiple of the window and padded
    tokens are masked out), the blocks in ``global_attn_indices`` attend globally, and
    ``use_rel_pos_bias`` adds a learned relative position bias to the windowed blocks. The
    encoder has no ``cls`` token (a checkpoint's is ignored, and its position slot dropped).

    Registered as ``SAIMWindowedViT`` in mmdet's and mmseg's ``MODELS`` by
    :mod:`mmsaim.det` and :mod:`mmsaim.seg`.

    Args:
        arch (str | dict): as ``VisionTransformer``. Defaults to ``'b'``.
        img_size (int): the pretraining image size the position embeddings were made for.
        patch_size (int): Defaults to 16.
        window_size (int): side of the attention windows, in tokens. Defaults to 14.
        global_attn_indices (Sequence[int]): blocks with global attention.
            Defaults to (2, 5, 8, 11).
        use_rel_pos_bias (bool): Defaults to False.
        out_indices (Sequence[int]): blocks whose outputs are returned. Defaults to (-1, ).
        drop_path_rate (float): stochastic depth. Defaults to 0.1.
        norm_cfg (dict): Defaults to LN with eps 1e-6.
        init_cfg (dict, optional): ``Pretrained`` loads every encoder weight.

    Shapes: (B, 3, H, W) -> a tuple of (B, D, ceil(H / p), ceil(W / p)), one per out index.
    """

    def __init__(self,
                 arch: Union[str, dict] = 'b',
                 img_size: int = 224,
                 patch_size: int = 16,
                 window_size: int = 14,
                 global_attn_indices: Sequence[int] = (2, 5, 8, 11),
                 use_rel_pos_bias: bool = False,
                 out_indices: Sequence[int] = (-1, ),
                 drop_path_rate: float = 0.1,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 init_cfg: Optional[dict] = None):
        super().__init__(arch=arch, img_size=img_size, patch_size=patch_size,
                         out_indices=list(out_indices), norm_cfg=norm_cfg, final_norm=False,
                         with_cls_token=False, out_type='featmap', init_cfg=init_cfg)
        self.layers = vit_blocks(self.arch_settings, drop_path_rate=drop_path_rate,
                                 norm_cfg=norm_cfg)
        self.window_size = window_size
        self.global_attn_indices = set(global_attn_indices)
        self.rel_pos_bias = nn.ModuleDict({
            str(i): RelativePositionBias((window_size, window_size), self.num_heads)
            for i in range(self.num_layers) if i not in self.global_attn_indices
        }) if use_rel_pos_bias else None

    def init_weights(self) -> None:
        """mmpretrain's ViT initialisation; with a ``Pretrained`` ``init_cfg``, then every
        encoder weight from the checkpoint, or an error naming what does not fit
        (:func:`load_pretrained_encoder`). Position embeddings of another grid are
        interpolated; the relative position biases start at zero."""
        pretrained, self.init_cfg = split_pretrained(self.init_cfg)
        super().init_weights()
        if pretrained is not None:
            load_pretrained_encoder(self, **pretrained, allow_missing=('rel_pos_bias.', ))
            self.init_cfg = dict(type='Pretrained', **pretrained)

    @property
    def num_heads(self) -> int:
        return self.arch_settings['num_heads']

    def _windowed_block(self, i: int, x: torch.Tensor) -> torch.Tensor:
        B, H, W, C = x.shape
        windows, valid = window_partition(x, self.window_size)
        mask = valid[:, None, None, :]  # keys that are real tokens
        if self.rel_pos_bias is not None:
            bias = self.rel_pos_bias[str(i)]().to(windows.dtype)
            mask = bias.masked_fill(~mask, float('-inf'))
        windows = self.layers[i](windows, attn_mask=mask)
        return window_unpartition(windows, self.window_size, (H, W))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        B = x.shape[0]
        tokens, (h, w) = self.patch_embed(x)
        pos_embed = resize_pos_embed(self.pos_embed, self.patch_resolution, (h, w),
                                     mode=self.interpolate_mode,
                                     num_extra_tokens=self.num_extra_tokens)
        tokens = tokens + pos_embed[:, self.num_extra_tokens:]
        grid = tokens.view(B, h, w, -1)
        outs = []
        for i, layer in enumerate(self.layers):
            if i in self.global_attn_indices:
                grid = layer(grid.flatten(1, 2)).view(B, h, w, -1)
            else:
                grid = self._windowed_block(i, grid)
            if i in self.out_indices:
                outs.append(grid.permute(0, 3, 1, 2).contiguous())
        return tuple(outs)

    def get_layer_depth(self, param_name: str, prefix: str = '') -> Tuple[int, int]:
        """Layer-wise lr decay depth; a block's relative position bias goes with its block."""
        if param_name.startswith(prefix + 'rel_pos_bias.'):
            block = int(param_name[len(prefix + 'rel_pos_bias.'):].split('.')[0])
            return block + 1, self.num_layers + 2
        return super().get_layer_depth(param_name, prefix)
