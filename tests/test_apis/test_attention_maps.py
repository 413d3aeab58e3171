"""The attention maps are what each stream's last block attends to, under the order's masks."""
import pytest
import torch

from mmsaim.apis import attention_maps
from mmsaim.models.utils import attention_probabilities, content_mask, query_mask
from tests.helpers.models import build_tiny_saim

VARIANTS = {
    'separate decoder': dict(),
    'shared decoder': dict(neck=dict(type='SAIMQueryDecoder', depth=4,
                                     share_encoder_blocks=True)),
}


@pytest.mark.parametrize('variant', list(VARIANTS))
def test_maps_follow_the_masks_and_the_layout(variant):
    torch.manual_seed(0)
    model = build_tiny_saim(**VARIANTS[variant])
    images = torch.randn(2, 3, 32, 32)
    order = torch.randperm(16)
    maps = attention_maps(model, images, order)
    assert maps['content'].shape == maps['query'].shape == (2, 2, 16, 17)
    for name, allowed in (('content', content_mask(order[None])[:, 1:]),
                          ('query', query_mask(order[None]))):
        probs = maps[name]
        torch.testing.assert_close(probs.sum(-1), torch.ones(2, 2, 16))
        assert (probs[:, :, ~allowed[0]] == 0).all()  # nothing where the mask forbids
        assert (probs[:, :, allowed[0]] > 0).all()
    # The content map is the last encoder block's softmax(q k^T / sqrt(d)) on its input.
    with torch.no_grad():
        block_input = model.backbone(images, order.expand(2, -1), explicit_masks=True)[-2]
        last = model.backbone.layers[-1]
        q, k, _ = last.attn.qkv(last.ln1(block_input)).view(2, 17, 3, 2, 16).permute(2, 0, 3, 1, 4)
    expected = attention_probabilities(q, k, content_mask(order[None])[:, None])[:, :, 1:]
    torch.testing.assert_close(maps['content'], expected)
    assert not model.explicit_masks and model.backbone.layers[-1].attn.recorded is None


def test_a_model_without_query_stream_has_content_maps_only():
    maps = attention_maps(build_tiny_saim(neck=None), torch.randn(1, 3, 32, 32), 'raster')
    assert maps['query'] is None and maps['content'].shape == (1, 2, 16, 17)
    assert maps['content'][0, :, 0, 2:].abs().sum() == 0  # the first patch sees cls, itself
