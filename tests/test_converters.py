"""The SAIM release's weights converted to mmsaim give the release's loss; key-table errors."""
import pytest
import torch
import torch.nn.functional as F

from mmsaim.converters import (encoder_state_dict, mmpretrain_to_timm, saim_release_to_mmsaim,
                               timm_to_mmpretrain)
from mmsaim.models.utils import (content_mask, draw_permutation, normalize_patches, patchify,
                                 query_mask)
from tests.helpers.models import (BLUR, DEPTH, HEADS, IMG, PATCH, D, build_tiny_saim,
                                  release_state_dict, twin)



def release_loss(sd, images, order):
    """The release's pretraining loss, written from its weight names and its forward pass.

    Its ``forward_saim`` and ``forward_loss``: every block normalizes queries and keys /
    values with the same ``norm1`` and projects them with separate ``attn.q / k / v``; the
    query stream starts from the position embeddings and reads the content stream block by
    block; its final ``norm`` feeds the prediction head; the target is the image blurred by
    ``gaussian_blur.weight``, patchified and normalized per patch. Attention is explicit: the
    project's content and query masks (order.py) and a plain softmax.
    """
    def norm(x, name):
        return F.layer_norm(x, x.shape[-1:], sd[name + '.weight'], sd[name + '.bias'], 1e-6)

    def linear(x, name):
        return F.linear(x, sd[name + '.weight'], sd[name + '.bias'])

    def heads(x):
        return x.unflatten(-1, (HEADS, -1)).transpose(1, 2)

    def block(p, x, context, mask):
        x_n, c_n = norm(x, p + 'norm1'), norm(context, p + 'norm1')
        q, k, v = heads(linear(x_n, p + 'attn.q')), heads(linear(c_n, p + 'attn.k')), heads(
            linear(c_n, p + 'attn.v'))
        scores = (q @ k.transpose(-2, -1)) * q.shape[-1]**-0.5
        attn = scores.masked_fill(~mask[:, None], float('-inf')).softmax(-1)
        x = x + linear((attn @ v).transpose(1, 2).flatten(2), p + 'attn.proj')
        return x + linear(F.gelu(linear(norm(x, p + 'norm2'), p + 'mlp.fc1')), p + 'mlp.fc2')

    B = images.shape[0]
    x = F.conv2d(images, sd['patch_embed.proj.weight'], sd['patch_embed.proj.bias'],
                 stride=PATCH).flatten(2).transpose(1, 2)
    pos_embed = sd['pos_embed']
    h = torch.cat([(sd['cls_token'] + pos_embed[:, :1]).expand(B, -1, -1),
                   x + pos_embed[:, 1:]], dim=1)
    g = pos_embed[:, 1:].expand(B, -1, -1)  # the release's cls query is dropped at the end
    for i in range(DEPTH):
        h = block(f'blocks.{i}.', h, h, content_mask(order))
        g = block(f'query_blocks.{i}.', g, h, query_mask(order))
    pred = linear(F.gelu(linear(norm(g, 'norm'), 'prediction_head.fc1')), 'prediction_head.fc2')
    blurred = F.conv2d(images, sd['gaussian_blur.weight'], padding=BLUR // 2, groups=3)
    return ((pred - normalize_patches(patchify(blurred, PATCH)))**2).mean()


def test_release_weights_give_the_release_loss():
    """Converted and loaded into mmsaim's SAIM, the release's weights give the loss of the
    release's own computation under the same order, on the causal and the explicit path."""
    torch.manual_seed(0)
    release = release_state_dict()
    model = build_tiny_saim(embed_dims=D, depth=DEPTH, num_heads=HEADS, img_size=IMG,
                            patch_size=PATCH)
    model.load_state_dict(saim_release_to_mmsaim(release), strict=True)
    images = torch.randn(3, 3, IMG, IMG)
    order = draw_permutation('stochastic', 3, (IMG // PATCH, IMG // PATCH))
    explicit = twin(model, embed_dims=D, depth=DEPTH, num_heads=HEADS, img_size=IMG,
                    patch_size=PATCH, explicit_masks=True)
    with torch.no_grad():
        expected = release_loss(release, images, order)
        losses = [m.predict_in_order(images, order)['patch_losses'].mean()
                  for m in (model, explicit)]
        model.head.norm.reset_parameters()  # the converter's old fault: head.norm untrained
        without_head_norm = model.predict_in_order(images, order)['patch_losses'].mean()
    for loss in losses:
        torch.testing.assert_close(loss, expected, rtol=1e-5, atol=0)
    assert abs(without_head_norm - expected) > 1e-2 * expected


def test_release_norm_is_also_the_encoder_final_norm():
    converted = saim_release_to_mmsaim(release_state_dict())
    for name in ('weight', 'bias'):
        assert converted[f'backbone.ln1.{name}'] is converted[f'head.norm.{name}']


def test_missing_k_bias_becomes_zero():
    converted = saim_release_to_mmsaim(release_state_dict(k_bias=False))
    bias = converted['backbone.layers.0.attn.qkv.bias']
    assert bias.shape == (3 * D, ) and torch.all(bias[D:2 * D] == 0)


def test_release_blur_kernel_is_checked():
    with pytest.raises(ValueError, match='sigma=1.5'):
        saim_release_to_mmsaim(release_state_dict(), blur_sigma=1.5)
    release = release_state_dict()
    release['gaussian_blur.weight'] = torch.full((3, 1, BLUR, BLUR), 1 / BLUR**2)  # a box
    with pytest.raises(ValueError, match='gaussian_blur.weight'):
        saim_release_to_mmsaim(release)


def test_unknown_release_keys_stop_the_conversion():
    release = release_state_dict()
    release['mask_token'] = torch.zeros(1, 1, D)
    release['query_blocks.0.gamma'] = torch.zeros(D)
    with pytest.raises(ValueError, match='mask_token.*query_blocks.0.gamma'):
        saim_release_to_mmsaim(release)
    converted = saim_release_to_mmsaim(release, skip_unknown=True)
    assert not any('mask_token' in k or 'gamma' in k for k in converted)


def test_timm_names_round_trip():
    model = build_tiny_saim(embed_dims=D, depth=DEPTH, num_heads=HEADS, img_size=IMG,
                            patch_size=PATCH)
    encoder = encoder_state_dict(model.state_dict())
    assert len(encoder) == 4 + 12 * DEPTH + 2  # embeddings, blocks, final norm
    timm = mmpretrain_to_timm(encoder)
    assert 'blocks.1.attn.qkv.weight' in timm and 'norm.bias' in timm
    back = timm_to_mmpretrain(timm)
    assert list(back) == list(encoder)
    assert all(back[k] is encoder[k] for k in encoder)


def test_non_encoder_keys_are_named():
    timm = mmpretrain_to_timm(encoder_state_dict(build_tiny_saim().state_dict()))
    timm['head.weight'] = torch.zeros(10, 32)
    with pytest.raises(ValueError, match='head.weight'):
        timm_to_mmpretrain(timm)
    assert 'head.weight' not in timm_to_mmpretrain(timm, skip_unknown=True)
