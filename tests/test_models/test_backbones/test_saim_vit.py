import pytest
import torch
from mmpretrain.models import VisionTransformer
from mmpretrain.models.utils import build_2d_sincos_position_embedding

from mmsaim.models import SAIMViT
from mmsaim.models.utils import draw_permutation, gather_tokens
from mmsaim.fileio import CheckpointError
from tests.helpers.models import build_tiny_saim


@pytest.mark.parametrize('img_size,patch_size,input_hw', [
    (32, 8, (32, 32)),
    (32, 8, (48, 64)),  # another size than the one built for: a fresh sin-cos grid
    (32, 4, (32, 32)),
])
def test_content_stream_in_prediction_order_is_the_masked_one_in_patch_order(
        img_size, patch_size, input_hw):
    """Every block's output: cls, then patch z_t at position t + 1 of the causal sequence,
    equal to patch z_t of the sequence that keeps patch order under formula (3)."""
    torch.manual_seed(0)
    vit = SAIMViT(arch=dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64),
                  img_size=img_size, patch_size=patch_size)
    vit.init_weights()
    grid = (input_hw[0] // patch_size, input_hw[1] // patch_size)
    images, order = torch.randn(2, 3, *input_hw), draw_permutation('stochastic', 2, grid)
    causal, explicit = vit(images, order), vit(images, order, explicit_masks=True)
    assert len(causal) == len(explicit) == 2
    for c, e in zip(causal, explicit):
        torch.testing.assert_close(c[:, 0], e[:, 0])
        torch.testing.assert_close(c[:, 1:], gather_tokens(e[:, 1:], order), rtol=1e-5,
                                   atol=1e-5)


def test_plain_forward_is_mmpretrains_vit():
    """Without an order the encoder is a stock VisionTransformer (full attention)."""
    torch.manual_seed(0)
    vit = SAIMViT(arch='small', img_size=32, patch_size=8, out_type='cls_token')
    vit.init_weights()
    stock = VisionTransformer(arch='deit-small', img_size=32, patch_size=8,
                              out_type='cls_token')
    stock.load_state_dict(vit.state_dict(), strict=True)
    vit.eval(), stock.eval()
    images = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(vit(images)[0], stock(images)[0])


def test_blocks_settings_the_encoder_does_not_implement_are_refused():
    with pytest.raises(TypeError, match=r"takes no \['layer_scale_init_value'\]"):
        SAIMViT(arch='tiny', layer_scale_init_value=0.1)


def test_fixed_sincos_position_embedding_and_frozen_final_norm():
    saim = build_tiny_saim(embed_dims=192, depth=2, num_heads=3, img_size=32)
    expected = build_2d_sincos_position_embedding(4, 192, cls_token=True)
    torch.testing.assert_close(saim.backbone.pos_embed, expected)
    assert not saim.backbone.pos_embed.requires_grad  # SAIM pretraining keeps them fixed
    assert not any(p.requires_grad for p in saim.backbone.ln1.parameters())
    finetuned = SAIMViT(arch='tiny', img_size=32, patch_size=8)  # fine-tuning learns both
    assert finetuned.pos_embed.requires_grad and finetuned.ln1.weight.requires_grad


def saved_encoder(tmp_path, **kwargs):
    saim = build_tiny_saim(**kwargs)
    path = tmp_path / 'saim.pth'
    torch.save({'state_dict': saim.state_dict()}, path)
    return str(path), saim


def test_pretrained_checkpoint_of_another_arch_is_an_error(tmp_path):
    path, _ = saved_encoder(tmp_path, embed_dims=32, depth=4, num_heads=2)
    vit = SAIMViT(arch=dict(embed_dims=32, num_layers=6, num_heads=2, feedforward_channels=128),
                  img_size=32, patch_size=8,
                  init_cfg=dict(type='Pretrained', checkpoint=path, prefix='backbone.'))
    with pytest.raises(CheckpointError, match=r'does not fit SAIMViT \(embed_dims 32, 6 blocks'
                       r'.*it holds embed_dims 32, 4 blocks, MLP 128, patch 8, 4x4 position grid'
                       r'; 24 weights missing'):
        vit.init_weights()


def test_pretrained_checkpoint_of_another_grid_keeps_sincos_positions(tmp_path):
    path, saim = saved_encoder(tmp_path, embed_dims=32, depth=2, num_heads=2, img_size=32)
    vit = SAIMViT(arch=dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=128),
                  img_size=48, patch_size=8,
                  init_cfg=dict(type='Pretrained', checkpoint=path, prefix='backbone.'))
    vit.init_weights()
    torch.testing.assert_close(vit.pos_embed,
                               build_2d_sincos_position_embedding(6, 32, cls_token=True))
    torch.testing.assert_close(vit.layers[1].ffn.layers[1].weight,
                               saim.backbone.layers[1].ffn.layers[1].weight, rtol=0, atol=0)


def test_weights_load_into_stock_vision_transformer(tmp_path):
    saim_vit = SAIMViT(arch='tiny', img_size=32, patch_size=8, out_type='featmap')
    saim_vit.init_weights()
    with torch.no_grad():
        for p in saim_vit.parameters():
            p.add_(torch.randn_like(p) * 0.01)  # no value is left at its default
    ckpt = tmp_path / 'saim.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in saim_vit.state_dict().items()}},
               ckpt)
    vit = VisionTransformer(
        arch='deit-tiny', img_size=32, patch_size=8, out_type='featmap',
        init_cfg=dict(type='Pretrained', checkpoint=str(ckpt), prefix='backbone.'))
    vit.init_weights()
    assert vit.state_dict().keys() == saim_vit.state_dict().keys()
    for name, value in saim_vit.state_dict().items():
        torch.testing.assert_close(vit.state_dict()[name], value, rtol=0, atol=0)
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(vit(x)[0], saim_vit(x)[0])


def test_position_embeddings_number_the_patches_row_by_row_on_any_grid():
    """The embedding of patch (r, c) depends on (r, c) alone: on a 2 x 4 grid it is the
    embedding of the same patch on a 4 x 4 grid."""
    vit = SAIMViT(arch='tiny', img_size=32, patch_size=8)
    vit.init_weights()
    square = vit.patch_pos_embed((4, 4))[0].view(4, 4, -1)
    torch.testing.assert_close(vit.patch_pos_embed((2, 4))[0], square[:2].flatten(0, 1))
    torch.testing.assert_close(vit.patch_pos_embed((4, 2))[0], square[:, :2].flatten(0, 1))


@pytest.mark.parametrize('out_type', ['featmap', 'avg_featmap'])
def test_every_trainable_parameter_of_pretraining_gets_a_gradient(out_type):
    """What data-parallel training needs (find_unused_parameters=False): the frozen parts
    (position embeddings, the norms after the last block) are the only ones left out."""
    saim = build_tiny_saim(backbone_kwargs=dict(out_type=out_type))
    saim.loss(torch.randn(2, 3, 32, 32), None)['loss'].backward()
    unused = [n for n, p in saim.named_parameters() if p.requires_grad and p.grad is None]
    assert unused == []
