"""Orders by name and by permutation, for completion, reconstruction and attention maps."""
import pytest
import torch

from mmsaim.apis import batch_permutation, visible_first
from tests.helpers.models import build_tiny_saim


@pytest.mark.parametrize('bad', [[0, 1, 2], [0, 1, 1, 3], [0, 1, 2, 4]])
def test_an_explicit_order_must_be_a_permutation(bad):
    model, images = build_tiny_saim(img_size=16), torch.zeros(1, 3, 16, 16)  # 2x2 patches
    with pytest.raises(ValueError, match='permutation of the 4 patch indices'):
        batch_permutation(model, images, bad)
    assert batch_permutation(model, images, [3, 1, 0, 2]).tolist() == [[3, 1, 0, 2]]


def test_visible_first_keeps_each_part_in_order():
    order = torch.tensor([4, 0, 3, 1, 5, 2])
    visible = torch.tensor([False, True, False, True, False, True])
    assert visible_first(order, visible).tolist() == [3, 1, 5, 4, 0, 2]


def test_batch_permutations():
    model = build_tiny_saim()
    images = torch.zeros(3, 3, 32, 32)
    drawn = batch_permutation(model, images, generator=torch.Generator().manual_seed(0))
    assert drawn.shape == (3, 16) and not torch.equal(drawn[0], drawn[1])  # per image
    again = batch_permutation(model, images, 'stochastic', torch.Generator().manual_seed(0))
    assert torch.equal(again, drawn)  # None is the model's own order, 'stochastic'
    assert batch_permutation(model, images, 'raster').tolist() == [list(range(16))] * 3
    centre_out = batch_permutation(model, images, 'center-out')
    assert centre_out[:, :4].tolist() == [[5, 6, 9, 10]] * 3
    given = torch.randperm(16)
    assert torch.equal(batch_permutation(model, images, given), given.expand(3, -1))
    with pytest.raises(ValueError, match=r'\(N,\) or \(B, N\)'):
        batch_permutation(model, images, torch.stack([given, given]))
    with pytest.raises(ValueError, match='choose one of'):
        batch_permutation(model, images, 'random')
