"""The light query stream: narrower (its own width) and/or shallower than the encoder."""
import pytest
import torch
from mmpretrain.models.utils import build_2d_sincos_position_embedding
from mmpretrain.registry import MODELS

from mmsaim.models.utils import draw_permutation
from tests.helpers.models import (assert_same_step, build_tiny_saim, step_loss_and_grads,
                                  tiny_saim_cfg, twin)

NARROW = dict(type='SAIMQueryDecoder', embed_dims=16, num_heads=2)  # the encoder is 32 wide
LIGHT = {
    'narrow': dict(neck=dict(NARROW, depth=4)),
    'shallow': dict(decoder_depth=2),
    'narrow and shallow': dict(neck=dict(NARROW, depth=2)),
}


@pytest.mark.parametrize('light', list(LIGHT))
def test_light_stream_causal_path_equals_explicit_masks(light):
    torch.manual_seed(0)
    model = build_tiny_saim(**LIGHT[light])
    explicit = twin(model, explicit_masks=True, **LIGHT[light])
    images = torch.randn(3, 3, 32, 32)
    order = draw_permutation('stochastic', 3, (4, 4))
    assert_same_step(*(step_loss_and_grads(m, images, order) for m in (model, explicit)))


def test_narrow_stream_shapes_and_parameters():
    model = build_tiny_saim(**LIGHT['narrow and shallow'])
    assert model.neck.attach_to == [1, 3]  # evenly spaced over the 4 encoder blocks
    assert model.neck.embed_dims == 16 and model.head.norm.normalized_shape == (16, )
    assert [tuple(p.weight.shape) for p in model.neck.context_projs] == [(16, 32)] * 2
    assert model.neck.layers[0].attn.qkv.weight.shape == (48, 16)
    images = torch.randn(2, 3, 32, 32)
    order = model.draw_order(images)
    queries = model.backbone.patch_pos_embed((4, 4), 16)
    assert model.neck(model.backbone(images, order), order, queries).shape == (2, 16, 16)


def test_queries_are_the_position_embeddings_of_the_streams_width():
    narrow = build_tiny_saim(**LIGHT['narrow'])
    torch.testing.assert_close(narrow.backbone.patch_pos_embed((4, 4), 16),
                               build_2d_sincos_position_embedding((4, 4), 16))
    encoder = narrow.backbone.patch_pos_embed((4, 4))  # as wide as the encoder: its own
    assert encoder.data_ptr() == narrow.backbone.pos_embed[:, 1:].data_ptr()


def test_narrow_stream_predicts_each_patch_from_earlier_patches_only():
    """Changing the patches predicted at or after step t leaves the predictions of steps
    0..t unchanged and changes those of every later step."""
    torch.manual_seed(0)
    model = build_tiny_saim(patch_size=8, img_size=16, **LIGHT['narrow and shallow'])
    images = torch.randn(1, 3, 16, 16)
    order = torch.tensor([[2, 0, 3, 1]])
    ranks = order.argsort(1)[0]

    def predictions(x):
        return model.predict_in_order(x, order)['prediction'][0]

    base = predictions(images)
    for t in range(1, 4):
        later = images.clone()
        for patch in order[0, t:].tolist():
            row, col = divmod(patch, 2)
            later[..., 8 * row:8 * row + 8, 8 * col:8 * col + 8] += 1
        changed = (predictions(later) - base).abs().amax(-1) > 1e-6
        assert changed.tolist() == (ranks > t).tolist(), (t, changed)


def test_the_head_follows_a_narrow_stream():
    cfg = tiny_saim_cfg(**LIGHT['narrow'])
    assert MODELS.build(cfg).head.predictor[0].in_features == 16
    with pytest.raises(ValueError, match='not a multiple of num_heads=3'):
        MODELS.build(tiny_saim_cfg(neck=dict(NARROW, num_heads=3)))
