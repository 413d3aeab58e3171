import pytest
import torch
from mmpretrain.models import VisionTransformer
from mmpretrain.models.utils import build_2d_sincos_position_embedding
from mmpretrain.registry import MODELS

from mmsaim.models import SAIMViT
from mmsaim.models.utils import AutoregressiveOrder, sample_order


@pytest.mark.parametrize('img_size,patch_size,input_hw', [
    (32, 8, (32, 32)),
    (32, 8, (48, 64)),  # another size than the one built for: fresh sin-cos grid
    (64, 16, (64, 64)),
    (32, 4, (32, 32)),
])
@pytest.mark.parametrize('explicit', [False, True])
def test_content_stream_shapes(img_size, patch_size, input_hw, explicit):
    vit = SAIMViT(arch='tiny', img_size=img_size, patch_size=patch_size)
    vit.init_weights()
    N = (input_hw[0] // patch_size) * (input_hw[1] // patch_size)
    order = AutoregressiveOrder(sample_order(2, N), explicit)
    hidden = vit(torch.randn(2, 3, *input_hw), order)
    assert len(hidden) == 12
    assert all(h.shape == (2, 1 + N, 192) for h in hidden)


def test_plain_forward_is_a_vit():
    vit = SAIMViT(arch='small', img_size=32, patch_size=8, out_type='cls_token')
    (cls, ) = vit(torch.randn(2, 3, 32, 32))
    assert cls.shape == (2, 384)


@pytest.mark.parametrize('hw', [(30, 32), (32, 36)])
def test_image_size_not_divisible_by_patch(hw):
    vit = SAIMViT(arch='tiny', img_size=32, patch_size=8)
    with pytest.raises(ValueError, match='multiple of the patch size.*patch_size=8'):
        vit(torch.randn(1, 3, *hw), AutoregressiveOrder(sample_order(1, 16)))
    preprocessor = MODELS.build(dict(type='SAIMDataPreprocessor', patch_size=8))
    batch = dict(inputs=torch.zeros(1, 3, *hw, dtype=torch.uint8), data_samples=None)
    with pytest.raises(ValueError, match='Resize or crop'):
        preprocessor(batch)


def test_fixed_sincos_position_embedding_and_frozen_final_norm():
    vit = SAIMViT(arch='tiny', img_size=32, patch_size=8)
    vit.init_weights()
    expected = build_2d_sincos_position_embedding(4, 192, cls_token=True)
    torch.testing.assert_close(vit.pos_embed, expected)
    assert not vit.pos_embed.requires_grad
    assert not any(p.requires_grad for p in vit.ln1.parameters())


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
