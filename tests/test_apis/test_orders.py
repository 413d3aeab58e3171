"""Orders by name and by permutation, for completion, reconstruction and attention maps."""
import pytest
import torch

from mmsaim.apis import batch_order, patch_order, visible_first
from tests.helpers.models import build_tiny_saim


def test_named_orders():
    assert patch_order('raster', (3, 4)).tolist() == list(range(12))
    centre_out = patch_order('center-out', (4, 4)).tolist()
    assert centre_out[:4] == [5, 6, 9, 10]  # the four centre patches, raster order
    assert sorted(centre_out[-4:]) == [0, 3, 12, 15]  # the corners last
    first = patch_order('random', (4, 4), torch.Generator().manual_seed(1))
    again = patch_order('random', (4, 4), torch.Generator().manual_seed(1))
    assert torch.equal(first, again) and sorted(first.tolist()) == list(range(16))


@pytest.mark.parametrize('bad', [[0, 1, 2], [0, 1, 1, 3], [0, 1, 2, 4]])
def test_an_explicit_order_must_be_a_permutation(bad):
    with pytest.raises(ValueError, match='permutation of the 4 patch indices'):
        patch_order(bad, (2, 2))
    assert patch_order([3, 1, 0, 2], (2, 2)).tolist() == [3, 1, 0, 2]


def test_visible_first_keeps_each_part_in_order():
    order = torch.tensor([4, 0, 3, 1, 5, 2])
    visible = torch.tensor([False, True, False, True, False, True])
    assert visible_first(order, visible).tolist() == [3, 1, 5, 4, 0, 2]


def test_batch_orders():
    model = build_tiny_saim()
    images = torch.zeros(3, 3, 32, 32)
    drawn = batch_order(model, images, generator=torch.Generator().manual_seed(0)).order
    assert drawn.shape == (3, 16) and not torch.equal(drawn[0], drawn[1])  # per image
    assert batch_order(model, images, 'raster').order.tolist() == [list(range(16))] * 3
    given = torch.randperm(16)
    assert torch.equal(batch_order(model, images, given).order, given.expand(3, -1))
    with pytest.raises(ValueError, match=r'\(N,\) or \(B, N\)'):
        batch_order(model, images, torch.stack([given, given]))
