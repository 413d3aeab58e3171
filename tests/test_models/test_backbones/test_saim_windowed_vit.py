import pytest
import torch

from mmsaim.fileio import CheckpointError
from mmsaim.models import SAIMWindowedViT
from mmsaim.models.backbones.saim_windowed_vit import window_partition, window_unpartition
from mmsaim.models.utils import patchify
from tests.helpers.models import build_tiny_saim


def tiny_windowed(**kwargs):
    cfg = dict(arch=dict(embed_dims=32, num_layers=4, num_heads=2, feedforward_channels=128),
               img_size=32, patch_size=8, drop_path_rate=0.)
    cfg.update(kwargs)
    model = SAIMWindowedViT(**cfg)
    model.init_weights()
    model.eval()  # mmpretrain backbones' train() returns None, so no chaining
    return model


def test_window_partition_roundtrip_and_padding_mask():
    x = torch.randn(2, 5, 7, 3)
    windows, valid = window_partition(x, 4)
    assert windows.shape == (2 * 2 * 2, 16, 3) and valid.shape == (8, 16)
    assert int(valid.sum()) == 2 * 5 * 7
    torch.testing.assert_close(window_unpartition(windows, 4, (5, 7)), x)


@pytest.mark.parametrize('hw', [(64, 64), (72, 40)])
def test_a_windowed_block_reads_only_its_window(hw):
    """d token / d patch is zero outside the token's window, also where the grid is padded
    (72 x 40 px: a 9 x 5 grid in 3 x 3 windows); a global block reads every patch."""
    torch.manual_seed(0)
    model = tiny_windowed(window_size=3, global_attn_indices=(1, ), out_indices=(0, 1),
                          use_rel_pos_bias=True)
    images = torch.randn(1, 3, *hw, requires_grad=True)
    windowed, global_ = model(images)
    h, w = hw[0] // 8, hw[1] // 8
    assert windowed.shape == global_.shape == (1, 32, h, w)
    for out, in_window in ((windowed, True), (global_, False)):
        (grad, ) = torch.autograd.grad(out[0, :, 4, 1].sum(), images, retain_graph=True)
        read = patchify(grad, 8)[0].abs().sum(-1).view(h, w) > 0
        expected = torch.zeros(h, w, dtype=torch.bool)
        expected[3:6, 0:3] = True
        assert torch.equal(read, expected) if in_window else read.all()


def test_padded_window_covering_the_grid_equals_global_attention():
    """Padded tokens are masked out: one padded window over the grid is global attention."""
    torch.manual_seed(0)
    windowed = tiny_windowed(window_size=6, global_attn_indices=())
    global_ = tiny_windowed(window_size=6, global_attn_indices=(0, 1, 2, 3))
    global_.load_state_dict(windowed.state_dict())
    x = torch.randn(2, 3, 32, 32)  # a 4x4 token grid, padded to one 6x6 window
    torch.testing.assert_close(windowed(x)[0], global_(x)[0], rtol=1e-5, atol=1e-5)


def test_windows_do_not_see_each_other():
    model = tiny_windowed(window_size=2, global_attn_indices=(), out_indices=(3, ))
    x = torch.randn(1, 3, 32, 32, requires_grad=True)
    out = model(x)[0]  # (1, 32, 4, 4); window (0, 0) covers tokens [0:2, 0:2]
    (grad, ) = torch.autograd.grad(out[0, :, 0, 0].sum(), x)
    assert grad[..., :16, :16].abs().sum() > 0
    assert grad[..., 16:, :].abs().sum() == 0 and grad[..., :, 16:].abs().sum() == 0


@pytest.mark.parametrize('use_rel_pos_bias', [False, True])
def test_loads_saim_checkpoint(tmp_path, use_rel_pos_bias):
    saim = build_tiny_saim(embed_dims=32, depth=4, num_heads=2, img_size=32, patch_size=8)
    path = tmp_path / 'saim.pth'
    torch.save({'state_dict': saim.state_dict()}, path)
    model = tiny_windowed(use_rel_pos_bias=use_rel_pos_bias, init_cfg=dict(
        type='Pretrained', checkpoint=str(path), prefix='backbone.'))
    model.init_weights()
    encoder = {k[len('backbone.'):]: v for k, v in saim.state_dict().items()
               if k.startswith('backbone.')}
    missing = set(model.state_dict()) - set(encoder)
    assert all(k.startswith('rel_pos_bias.') for k in missing) and bool(missing) == use_rel_pos_bias
    # dense tasks use neither the cls token nor the final norm
    assert set(encoder) - set(model.state_dict()) == {'cls_token', 'ln1.weight', 'ln1.bias'}
    for name in set(model.state_dict()) & set(encoder) - {'pos_embed'}:
        torch.testing.assert_close(model.state_dict()[name], encoder[name], rtol=0, atol=0)
    # the position embeddings of the patches, without the cls slot
    torch.testing.assert_close(model.pos_embed, encoder['pos_embed'][:, 1:], rtol=0, atol=0)


def test_checkpoint_of_another_patch_size_is_an_error(tmp_path):
    saim = build_tiny_saim(embed_dims=32, depth=4, num_heads=2, img_size=64, patch_size=16)
    path = tmp_path / 'saim.pth'
    torch.save({'state_dict': saim.state_dict()}, path)
    with pytest.raises(CheckpointError, match=r'patch 16, 4x4 position grid; 1 of other shapes '
                       r"\(e.g. \['patch_embed.projection.weight: \(32, 3, 16, 16\) vs "
                       r"\(32, 3, 8, 8\)'\]\)"):
        tiny_windowed(init_cfg=dict(type='Pretrained', checkpoint=str(path), prefix='backbone.'))


def test_layer_depth_of_relative_position_bias():
    model = tiny_windowed(use_rel_pos_bias=True, global_attn_indices=(3, ))
    assert model.get_layer_depth('backbone.rel_pos_bias.2.table', 'backbone.') == (3, 6)
    assert model.get_layer_depth('backbone.layers.2.attn.qkv.weight', 'backbone.') == (3, 6)
    assert model.get_layer_depth('backbone.pos_embed', 'backbone.') == (0, 6)


def test_every_parameter_gets_a_gradient():
    """No unused parameter (no cls token): DDP runs with find_unused_parameters=False."""
    model = tiny_windowed(window_size=3, global_attn_indices=(1, ), out_indices=(3, ),
                          use_rel_pos_bias=True)
    model(torch.randn(2, 3, 32, 48))[0].sum().backward()
    assert [n for n, p in model.named_parameters() if p.grad is None] == []
