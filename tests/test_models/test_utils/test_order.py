import pytest
import torch

from mmsaim.models.utils import (AutoregressiveOrder, content_mask, order_ranks, query_mask,
                                 sample_order)


def test_stochastic_orders_are_per_sample_permutations():
    torch.manual_seed(0)
    order = sample_order(8, 16, 'stochastic')
    assert order.shape == (8, 16) and order.dtype == torch.long
    assert torch.equal(order.sort(dim=1).values, torch.arange(16).expand(8, -1))
    assert len({tuple(o.tolist()) for o in order}) == 8  # each image its own order
    assert not torch.equal(order, sample_order(8, 16, 'stochastic'))  # re-drawn


def test_raster_order():
    assert torch.equal(sample_order(3, 5, 'raster'), torch.arange(5).expand(3, -1))


def test_unknown_order_mode():
    with pytest.raises(ValueError, match='stochastic'):
        sample_order(2, 4, 'spiral')


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


def test_layouts_agree():
    torch.manual_seed(1)
    order = sample_order(2, 6)
    hidden = torch.randn(2, 7, 4)
    causal, explicit = AutoregressiveOrder(order), AutoregressiveOrder(order, True)
    # The state before each patch: cls for the first, the previous patch's otherwise.
    expected = torch.stack([
        torch.stack([hidden[b, 0] if order_ranks(order)[b, i] == 0 else
                     hidden[b, 1 + order[b, order_ranks(order)[b, i] - 1]]
                     for i in range(6)]) for b in range(2)])
    permuted = causal.content_sequence(hidden[:, :1], hidden[:, 1:])
    assert torch.equal(explicit.predecessors(hidden), expected)
    assert torch.equal(causal.to_patch_order(causal.predecessors(permuted)), expected)
    pos = torch.randn(1, 6, 4)
    assert torch.equal(causal.to_patch_order(causal.query_sequence(pos)), pos.expand(2, -1, -1))
