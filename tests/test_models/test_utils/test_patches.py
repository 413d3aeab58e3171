import pytest
import torch

from mmsaim.models.utils import (content_mask, draw_permutation, gather_tokens,
                                 permutation_ranks, query_mask)
from tests.helpers.models import build_tiny_saim


def test_stochastic_orders_are_per_sample_permutations():
    torch.manual_seed(0)
    order = draw_permutation('stochastic', 8, (4, 4))
    assert order.shape == (8, 16) and order.dtype == torch.long
    assert torch.equal(order.sort(dim=1).values, torch.arange(16).expand(8, -1))
    assert len({tuple(o.tolist()) for o in order}) == 8  # each image its own order
    assert not torch.equal(order, draw_permutation('stochastic', 8, (4, 4)))  # re-drawn
    first, again = (draw_permutation('stochastic', 2, (4, 4),
                                     generator=torch.Generator().manual_seed(1))
                    for _ in range(2))
    assert torch.equal(first, again)  # a generator makes the draw repeatable


def test_raster_order():
    assert torch.equal(draw_permutation('raster', 3, (1, 5)), torch.arange(5).expand(3, -1))
    assert draw_permutation('raster', 1, (3, 4))[0].tolist() == list(range(12))


def test_center_out_order():
    centre_out = draw_permutation('center-out', 2, (4, 4))
    assert torch.equal(centre_out[0], centre_out[1])  # the same for every image
    assert centre_out[0, :4].tolist() == [5, 6, 9, 10]  # the four centre patches, raster order
    assert sorted(centre_out[0, -4:].tolist()) == [0, 3, 12, 15]  # the corners last


def test_unknown_order_mode():
    with pytest.raises(ValueError, match='stochastic'):
        draw_permutation('spiral', 2, (2, 2))


def _formula3(r):
    """Masks of the paper's formula (3), cell by cell from the noise r (N,)."""
    N = len(r)
    content = torch.zeros(1 + N, 1 + N, dtype=torch.bool)
    query = torch.zeros(N, 1 + N, dtype=torch.bool)
    content[0, 0] = True
    for i in range(N):
        content[1 + i, 0] = query[i, 0] = True
        for j in range(N):
            content[1 + i, 1 + j] = bool(r[j] <= r[i])
            query[i, 1 + j] = bool(r[j] < r[i])
    return content, query


@pytest.mark.parametrize('N', [1, 2, 5, 9])
def test_explicit_masks_equal_formula3(N):
    g = torch.Generator().manual_seed(N)
    r = torch.rand(3, N, generator=g)
    order = r.argsort(dim=1)
    content, query = content_mask(order), query_mask(order)
    for b in range(3):
        expected_content, expected_query = _formula3(r[b])
        assert torch.equal(content[b], expected_content)
        assert torch.equal(query[b], expected_query)


def test_cls_and_first_token_visibility():
    order = torch.tensor([[2, 0, 3, 1]])
    content, query = content_mask(order)[0], query_mask(order)[0]
    assert content[0].tolist() == [True, False, False, False, False]  # cls: only itself
    first = 1 + 2  # patch 2 is predicted first
    assert content[first].nonzero().flatten().tolist() == [0, first]  # cls and itself
    assert query[2].nonzero().flatten().tolist() == [0]  # its query sees only cls
    assert query[1].nonzero().flatten().tolist() == [0, 1 + 0, 1 + 2, 1 + 3]  # last: all but itself
    assert not query.diagonal(offset=1).any()  # no query sees its own patch


def test_ranks_and_gathering_undo_each_other():
    torch.manual_seed(1)
    order = draw_permutation('stochastic', 2, (2, 3))
    tokens = torch.randn(1, 6, 4)  # one set of tokens for both images, in patch order
    permuted = gather_tokens(tokens, order)
    assert torch.equal(permuted[:, 0], tokens[0, order[:, 0]])  # the first predicted
    assert torch.equal(gather_tokens(permuted, permutation_ranks(order)),
                       tokens.expand(2, -1, -1))


def test_predecessor_states_of_both_layouts():
    """ViT-iGPT's features: the state of the token predicted just before each patch (cls
    for the first), from states in prediction order (causal) or in patch order (masks)."""
    torch.manual_seed(1)
    order = draw_permutation('stochastic', 2, (2, 3))
    hidden = torch.randn(2, 7, 4)  # cls, then patches in patch order
    ranks = permutation_ranks(order)
    expected = torch.stack([
        torch.stack([hidden[b, 0] if ranks[b, i] == 0 else hidden[b, 1 + order[b, ranks[b, i] - 1]]
                     for i in range(6)]) for b in range(2)])
    permuted = torch.cat([hidden[:, :1], gather_tokens(hidden[:, 1:], order)], dim=1)
    model = build_tiny_saim(neck=None)
    assert torch.equal(model.predecessor_states(permuted, order), expected)
    model.explicit_masks = True
    assert torch.equal(model.predecessor_states(hidden, order), expected)


def test_seeded_stochastic_orders_are_fixed_per_image():
    """An image's order depends on its seed alone: not on the batch, nor on earlier draws."""
    batch = draw_permutation('stochastic', 3, (4, 4), seeds=[7, 8, 9])
    torch.manual_seed(123)
    alone = draw_permutation('stochastic', 1, (4, 4), seeds=[8])
    assert torch.equal(batch[1:2], alone)
    assert torch.equal(batch.sort(dim=1).values, torch.arange(16).expand(3, -1))
    assert len({tuple(o.tolist()) for o in batch}) == 3  # other seeds, other orders
    with pytest.raises(ValueError, match='one per image'):
        draw_permutation('stochastic', 2, (4, 4), seeds=[1])
