"""transformer_block runs mmpretrain's layer exactly as the layer's own forward does."""
import pytest
import torch
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
from mmpretrain.models.utils import MultiheadAttention

from mmsaim.models.utils import check_supported_blocks, transformer_block

VARIANTS = {
    'plain': dict(),
    'layer scale': dict(layer_scale_init_value=0.1),
    'swiglu ffn': dict(ffn_type='swiglu_fused'),
    'three fcs': dict(num_fcs=3),
    'no qkv bias': dict(qkv_bias=False),
    'drop path (eval)': dict(drop_path_rate=0.3, drop_rate=0.1, attn_drop_rate=0.1),
}


@pytest.mark.parametrize('options', VARIANTS.values(), ids=VARIANTS.keys())
def test_block_equals_the_layers_forward(options):
    torch.manual_seed(0)
    layer = TransformerEncoderLayer(embed_dims=32, num_heads=4, feedforward_channels=64,
                                    **options)
    layer.init_weights()
    with torch.no_grad():
        for p in layer.parameters():
            p.add_(torch.randn_like(p) * 0.1)  # layer scale and biases away from defaults
    layer.eval()
    x = torch.randn(2, 7, 32)
    torch.testing.assert_close(transformer_block(layer, x), layer(x), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(transformer_block(layer, x, reference=True), layer(x),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('option', [dict(v_shortcut=True), dict(qk_scale=0.5)],
                         ids=['v_shortcut', 'qk_scale'])
def test_unsupported_options_are_refused_at_build(option):
    layer = TransformerEncoderLayer(embed_dims=32, num_heads=1, feedforward_channels=64)
    layer.attn = MultiheadAttention(32, 1, **option)
    with pytest.raises(ValueError, match=f'block 1 uses {list(option)[0]}'):
        check_supported_blocks([TransformerEncoderLayer(32, 1, 64), layer], 'SAIMViT')
    with pytest.raises(TypeError, match='block 0 is a Linear'):
        check_supported_blocks([torch.nn.Linear(2, 2)], 'SAIMQueryDecoder')
