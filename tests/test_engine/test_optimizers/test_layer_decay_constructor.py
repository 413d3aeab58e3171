import pytest
import torch.nn as nn

from mmsaim.engine.optimizers import SAIMLayerDecayOptimWrapperConstructor
from mmsaim.models import SAIMWindowedViT


class Detector(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = SAIMWindowedViT(
            arch=dict(embed_dims=32, num_layers=4, num_heads=2, feedforward_channels=128),
            img_size=32, patch_size=8, window_size=2, global_attn_indices=(3, ),
            use_rel_pos_bias=True)
        self.neck = nn.Conv2d(32, 8, 1)


def test_lr_scale_and_weight_decay_per_parameter():
    model = Detector()
    constructor = SAIMLayerDecayOptimWrapperConstructor(
        dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.1)),
        dict(layer_decay_rate=0.5, flat_decay_mult=0.,
             custom_keys={k: dict(decay_mult=0.) for k in ('pos_embed', 'cls_token',
                                                             'rel_pos_bias')}))
    groups = {g['param_name']: g for g in constructor(model).optimizer.param_groups}
    # 4 blocks: embeddings at depth 0, block i at i + 1, the rest at the top (5).
    assert groups['backbone.pos_embed']['lr'] == pytest.approx(1e-3 * 0.5**5)
    assert groups['backbone.patch_embed.projection.weight']['lr'] == pytest.approx(1e-3 * 0.5**5)
    for i in range(4):
        assert groups[f'backbone.layers.{i}.attn.qkv.weight']['lr'] == pytest.approx(
            1e-3 * 0.5**(4 - i))
    assert groups['backbone.rel_pos_bias.1.table']['lr'] == pytest.approx(1e-3 * 0.5**3)
    assert groups['neck.weight']['lr'] == pytest.approx(1e-3)
    assert groups['backbone.layers.0.attn.qkv.weight']['weight_decay'] == 0.1
    for name in ('backbone.layers.0.ln1.weight', 'backbone.layers.0.attn.qkv.bias',
                 'backbone.pos_embed', 'backbone.rel_pos_bias.0.table'):
        assert groups[name]['weight_decay'] == 0.0, name


def test_needs_a_vit_backbone():
    model = nn.Module()
    model.backbone = nn.Conv2d(3, 3, 1)
    constructor = SAIMLayerDecayOptimWrapperConstructor(
        dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)), dict(layer_decay_rate=0.5))
    with pytest.raises(TypeError, match='get_layer_depth'):
        constructor(model)
