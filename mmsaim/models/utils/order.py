"""Prediction orders and the attention pattern each one implies for SAIM's two streams."""
from typing import Optional

import torch

ORDER_MODES = ('stochastic', 'raster')


def sample_order(batch_size: int,
                 num_patches: int,
                 mode: str = 'stochastic',
                 device: Optional[torch.device] = None,
                 generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Draw the order in which each image's patches are predicted.

    ``stochastic``: per sample ``r ~ U(0, 1)^N`` and ``z = argsort(r)``; ``raster``:
    ``z = 0..N-1``. Returns ``order`` (B, N), long: ``order[b, t]`` is the patch predicted t-th.
    """
    if mode == 'stochastic':
        noise = torch.rand(batch_size, num_patches, device=device, generator=generator)
        return noise.argsort(dim=1)
    if mode == 'raster':
        return torch.arange(num_patches, device=device).expand(batch_size, -1).contiguous()
    raise ValueError(f'Unknown order mode {mode!r}; choose one of {ORDER_MODES}')


def order_ranks(order: torch.Tensor) -> torch.Tensor:
    """``rank[b, i]``: the step at which patch i is predicted (the inverse permutation)."""
    return order.argsort(dim=1)


def content_mask(order: torch.Tensor) -> torch.Tensor:
    """Content-stream visibility, formula (3): (B, 1 + N, 1 + N) bool, True = may attend.

    Index 0 is ``cls``, index 1 + i is patch i. ``cls`` sees only itself; patch i sees ``cls``
    and every patch j with ``rank_j <= rank_i`` (itself included).
    """
    rank = order_ranks(order)
    B, N = order.shape
    mask = torch.zeros(B, 1 + N, 1 + N, dtype=torch.bool, device=order.device)
    mask[:, :, 0] = True
    mask[:, 1:, 1:] = rank[:, None, :] <= rank[:, :, None]
    return mask


def query_mask(order: torch.Tensor) -> torch.Tensor:
    """Query-stream visibility: (B, N, 1 + N) bool, True = may attend.

    Query i (patch i) sees ``cls`` and every patch j with ``rank_j < rank_i`` (never itself).
    """
    rank = order_ranks(order)
    B, N = order.shape
    mask = torch.zeros(B, N, 1 + N, dtype=torch.bool, device=order.device)
    mask[:, :, 0] = True
    mask[:, :, 1:] = rank[:, None, :] < rank[:, :, None]
    return mask


def gather_tokens(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``x[b, index[b, t]]`` for (B, L, C) tokens and a (B, T) index: (B, T, C)."""
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


class AutoregressiveOrder:
    """One step's patch order and how both streams attend under it.

    Two equivalent computations are offered:

    - ``explicit_masks=False`` (default): sequences are laid out in prediction order and both
      streams use causal attention (``scaled_dot_product_attention(is_causal=True)``). The
      content sequence is ``[cls, s_z1, ..., s_zN]``; the queries ``[e_z1, ..., e_zN]`` attend
      to ``[cls, h_z1, ..., h_z(N-1)]`` index to index.
    - ``explicit_masks=True``: the reference. Sequences keep patch order and attention uses
      :func:`content_mask` and :func:`query_mask` with a plain softmax.

    Whatever the layout, :meth:`to_patch_order` turns query-side outputs back to patch order.

    Args:
        order (Tensor): (B, N) long, from :func:`sample_order`.
        explicit_masks (bool): use the reference masks instead of causal attention.
    """

    def __init__(self, order: torch.Tensor, explicit_masks: bool = False):
        self.order = order
        self.explicit_masks = explicit_masks

    @property
    def num_patches(self) -> int:
        return self.order.shape[1]

    def content_sequence(self, cls_token: torch.Tensor, patches: torch.Tensor) -> torch.Tensor:
        """(B, 1, D) ``cls`` and (B, N, D) patch tokens -> the encoder's (B, 1 + N, D) input."""
        if not self.explicit_masks:
            patches = gather_tokens(patches, self.order)
        return torch.cat([cls_token, patches], dim=1)

    def content_attention(self) -> dict:
        """Keyword arguments of :func:`multihead_attention` for the content stream."""
        if self.explicit_masks:
            return dict(attn_mask=content_mask(self.order)[:, None], reference=True)
        return dict(is_causal=True)

    def query_sequence(self, pos_embed: torch.Tensor) -> torch.Tensor:
        """(1 or B, N, D) patch position embeddings -> the decoder's (B, N, D) queries."""
        pos_embed = pos_embed.expand(self.order.shape[0], -1, -1)
        return pos_embed if self.explicit_masks else gather_tokens(pos_embed, self.order)

    def query_context(self, hidden: torch.Tensor) -> torch.Tensor:
        """Content-stream states (B, 1 + N, D) -> the keys / values the queries read."""
        return hidden if self.explicit_masks else hidden[:, :-1]

    def query_attention(self) -> dict:
        """Keyword arguments of :func:`multihead_attention` for the query stream."""
        if self.explicit_masks:
            return dict(attn_mask=query_mask(self.order)[:, None], reference=True)
        return dict(is_causal=True)

    def predecessors(self, hidden: torch.Tensor) -> torch.Tensor:
        """For every patch, the content state of the token predicted just before it (B, N, D).

        This is how a model without a query stream (ViT-iGPT) predicts: the state at step t
        predicts the patch of step t + 1, and ``cls`` predicts the first.
        """
        if not self.explicit_masks:
            return hidden[:, :-1]
        previous = torch.cat([torch.zeros_like(self.order[:, :1]), 1 + self.order[:, :-1]], 1)
        return gather_tokens(hidden, previous.gather(1, order_ranks(self.order)))

    def to_patch_order(self, x: torch.Tensor) -> torch.Tensor:
        """Query-side outputs (B, N, C), in this layout's order -> patch order."""
        if self.explicit_masks:
            return x
        return gather_tokens(x, order_ranks(self.order))
