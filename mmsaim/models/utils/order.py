"""Prediction orders, and the two layouts that run SAIM's streams under one.

Patches are numbered in raster order on the (h, w) grid: patch ``r * w + c`` is row r, column
c. An order is named by a string of :data:`ORDER_NAMES`; drawn, it is a ``permutation``
(B, N) of the patches: ``permutation[b, t]`` is the patch of image b predicted t-th, from
``cls`` and the patches ``permutation[b, :t]``.

A :class:`Layout` is how both streams compute under one permutation; the model picks its
class once. :class:`CausalLayout` lays the sequences out in prediction order and uses
causal attention (fused kernels); :class:`MaskedLayout` keeps patch order and uses the
paper's explicit masks with a plain softmax (the reference). Both give the same features.
"""
from abc import ABC, abstractmethod
from typing import Optional, Sequence, Tuple

import torch

ORDER_NAMES = ('stochastic', 'raster', 'center-out')


def draw_permutation(order: str,
                     batch_size: int,
                     grid: Tuple[int, int],
                     device: Optional[torch.device] = None,
                     generator: Optional[torch.Generator] = None,
                     seeds: Optional[Sequence[int]] = None) -> torch.Tensor:
    """Draw the order in which each image's patches are predicted: (B, N) long.

    The one place where orders are drawn: training steps, pictures, tools and the apis.

    Args:
        order: ``'stochastic'``: per image ``r ~ U(0, 1)^N`` and ``argsort(r)``, re-drawn
            every call (from ``generator`` when given); ``'raster'``: row by row;
            ``'center-out'``: by the distance of the patch centre from the image centre,
            ties in raster order.
        grid: (h, w) patches, N = h * w.
        device: of the result. A ``generator`` draws on its own device.
        seeds: one integer per image (B): image b's stochastic order is drawn from a CPU
            generator seeded with ``seeds[b]``, so it is the same in any batch, on any
            device and in any process (an evaluation that compares models on fixed
            orders). Not with ``generator``.
    """
    h, w = grid
    if order == 'stochastic':
        if seeds is not None:
            if generator is not None or len(seeds) != batch_size:
                raise ValueError(f'draw_permutation: give {batch_size} seeds (one per image) '
                                 f'or a generator, not both; got {len(seeds)} seeds')
            noise = torch.stack([
                torch.rand(h * w, generator=torch.Generator().manual_seed(int(seed)))
                for seed in seeds
            ])
        else:
            noise = torch.rand(batch_size, h * w, generator=generator,
                               device=device if generator is None else generator.device)
        return noise.argsort(dim=1).to(device)
    if order == 'raster':
        permutation = torch.arange(h * w, device=device)
    elif order == 'center-out':
        rows, cols = torch.meshgrid(torch.arange(h) + .5, torch.arange(w) + .5, indexing='ij')
        distance = (rows - h / 2)**2 + (cols - w / 2)**2
        permutation = distance.flatten().argsort(stable=True).to(device)
    else:
        raise ValueError(f'unknown order {order!r}: choose one of {ORDER_NAMES}')
    return permutation.expand(batch_size, -1).contiguous()


def permutation_ranks(permutation: torch.Tensor) -> torch.Tensor:
    """``rank[b, i]``: the step at which patch i is predicted (the inverse permutation)."""
    return permutation.argsort(dim=-1)


def content_mask(permutation: torch.Tensor) -> torch.Tensor:
    """Content-stream visibility, formula (3): (B, 1 + N, 1 + N) bool, True = may attend.

    Index 0 is ``cls``, index 1 + i is patch i. ``cls`` sees only itself; patch i sees ``cls``
    and every patch j with ``rank_j <= rank_i`` (itself included).
    """
    rank = permutation_ranks(permutation)
    B, N = permutation.shape
    mask = torch.zeros(B, 1 + N, 1 + N, dtype=torch.bool, device=permutation.device)
    mask[:, :, 0] = True
    mask[:, 1:, 1:] = rank[:, None, :] <= rank[:, :, None]
    return mask


def query_mask(permutation: torch.Tensor) -> torch.Tensor:
    """Query-stream visibility: (B, N, 1 + N) bool, True = may attend.

    Query i (patch i) sees ``cls`` and every patch j with ``rank_j < rank_i`` (never itself).
    """
    rank = permutation_ranks(permutation)
    B, N = permutation.shape
    mask = torch.zeros(B, N, 1 + N, dtype=torch.bool, device=permutation.device)
    mask[:, :, 0] = True
    mask[:, :, 1:] = rank[:, None, :] < rank[:, :, None]
    return mask


def gather_tokens(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``x[b, index[b, t]]`` for (B, L, C) tokens and a (B, T) index: (B, T, C)."""
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


class Layout(ABC):
    """How both streams run under one step's ``permutation`` (B, N).

    The content stream runs its blocks on ``[cls, from_patch_order(patches)]`` with
    ``content_attention``; the query stream on ``from_patch_order(queries)``, reading
    ``query_context(h)`` of the encoder states ``h`` with ``query_attention``, and
    ``to_patch_order`` gives its output back in patch order. The attention attributes are
    keyword arguments of :func:`multihead_attention`.
    """
    content_attention: dict
    query_attention: dict

    def __init__(self, permutation: torch.Tensor):
        self.permutation = permutation

    @abstractmethod
    def from_patch_order(self, x: torch.Tensor) -> torch.Tensor:
        """(1 or B, N, C) tokens in patch order -> (B, N, C) in this layout."""

    @abstractmethod
    def to_patch_order(self, x: torch.Tensor) -> torch.Tensor:
        """(B, N, C) query-side outputs in this layout -> patch order."""

    @abstractmethod
    def query_context(self, hidden: torch.Tensor) -> torch.Tensor:
        """Content-stream states (B, 1 + N, D) -> the keys / values the queries read."""

    @abstractmethod
    def predecessors(self, hidden: torch.Tensor) -> torch.Tensor:
        """For every patch, the content state (B, 1 + N, D) of the token predicted just
        before it, in patch order: (B, N, D); ``cls`` for the first patch.

        This is how a model without a query stream (ViT-iGPT) predicts: the state at step t
        predicts the patch of step t + 1.
        """


class CausalLayout(Layout):
    """Sequences in prediction order and causal attention.

    The content sequence is ``[cls, s_z1, ..., s_zN]``; the queries ``[e_z1, ..., e_zN]``
    attend to ``[cls, h_z1, ..., h_z(N-1)]`` index to index, so both streams call
    ``scaled_dot_product_attention(is_causal=True)``.
    """
    content_attention = query_attention = dict(is_causal=True)

    def __init__(self, permutation: torch.Tensor):
        super().__init__(permutation)
        self.ranks = permutation_ranks(permutation)

    def from_patch_order(self, x: torch.Tensor) -> torch.Tensor:
        return gather_tokens(x.expand(self.permutation.shape[0], -1, -1), self.permutation)

    def to_patch_order(self, x: torch.Tensor) -> torch.Tensor:
        return gather_tokens(x, self.ranks)

    def query_context(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden[:, :-1]

    def predecessors(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.to_patch_order(hidden[:, :-1])


class MaskedLayout(Layout):
    """Sequences in patch order and the explicit masks :func:`content_mask` and
    :func:`query_mask`, with a plain softmax: the reference computation."""

    def __init__(self, permutation: torch.Tensor):
        super().__init__(permutation)
        self.content_attention = dict(attn_mask=content_mask(permutation)[:, None],
                                      reference=True)
        self.query_attention = dict(attn_mask=query_mask(permutation)[:, None], reference=True)

    def from_patch_order(self, x: torch.Tensor) -> torch.Tensor:
        return x.expand(self.permutation.shape[0], -1, -1)

    def to_patch_order(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def query_context(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden

    def predecessors(self, hidden: torch.Tensor) -> torch.Tensor:
        # The token before each step: cls (index 0) for step 0, else patch z_(t-1) at 1 + z.
        previous = torch.cat([torch.zeros_like(self.permutation[:, :1]),
                              1 + self.permutation[:, :-1]], dim=1)
        return gather_tokens(hidden, previous.gather(1, permutation_ranks(self.permutation)))
