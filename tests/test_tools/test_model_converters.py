"""tools/model_converters/: SAIM weights in timm's and mmseg's ViTs, timm weights in mmpretrain's,
the SAIM release in mmsaim; every weight loaded and the same features."""
import argparse

import pytest
import torch
from mmengine.logging import MessageHub
from mmpretrain.models import VisionTransformer
from safetensors.torch import save_file
from timm.models.vision_transformer import VisionTransformer as TimmVisionTransformer

from mmsaim.apis import extract_features
from mmsaim.fileio import load_checkpoint_file
from tests.helpers.models import build_tiny_saim, release_state_dict
from tests.helpers.tool_runs import run_tool_in_process as run_tool
from tests.helpers.tool_runs import tool_error

D, DEPTH, HEADS, IMG, PATCH = 32, 2, 2, 32, 8
ARCH = dict(embed_dims=D, num_layers=DEPTH, num_heads=HEADS, feedforward_channels=4 * D)


@pytest.fixture(scope='module')
def saim_checkpoint(tmp_path_factory):
    """A SAIM training checkpoint as the Runner writes one (weights, meta, message hub with
    its HistoryBuffers); every weight random, the encoder's final norm included."""
    torch.manual_seed(0)
    model = build_tiny_saim(embed_dims=D, depth=DEPTH, num_heads=HEADS, img_size=IMG,
                            patch_size=PATCH)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(0.2 * torch.randn_like(param))
    hub = MessageHub.get_instance('converter_test')
    hub.update_scalar('train/loss', 0.5)
    path = tmp_path_factory.mktemp('saim') / 'epoch_1.pth'
    torch.save({'meta': {'epoch': 1}, 'state_dict': model.state_dict(),
                'message_hub': hub.state_dict()}, path)
    return path


def mmpretrain_vit(out_type, checkpoint=None):
    """Stock mmpretrain ViT of the tiny shape, loading the encoder as the README shows."""
    init_cfg = None if checkpoint is None else dict(
        type='Pretrained', checkpoint=str(checkpoint), prefix='backbone.')
    vit = VisionTransformer(arch=ARCH, img_size=IMG, patch_size=PATCH, out_type=out_type,
                            init_cfg=init_cfg)
    vit.init_weights()
    vit.eval()
    return vit


def test_saim_encoder_in_timm(saim_checkpoint, tmp_path):
    out = tmp_path / 'timm.pth'
    run_tool('model_converters/export_encoder.py', saim_checkpoint, out, '--to', 'timm')
    timm_vit = TimmVisionTransformer(img_size=IMG, patch_size=PATCH, embed_dim=D, depth=DEPTH,
                                     num_heads=HEADS, num_classes=0)
    timm_vit.load_state_dict(torch.load(out, weights_only=True), strict=True)
    timm_vit.eval()
    images = torch.randn(2, 3, IMG, IMG)
    with torch.no_grad():
        expected = mmpretrain_vit('raw', saim_checkpoint)(images)[0]
        features = timm_vit.forward_features(images)
    assert features.shape == (2, 1 + (IMG // PATCH)**2, D)
    torch.testing.assert_close(features, expected, rtol=0, atol=1e-5)


def test_saim_encoder_in_mmseg_loads_every_weight(saim_checkpoint, tmp_path):
    from mmseg.models.backbones import VisionTransformer as MMSegVisionTransformer
    out = tmp_path / 'mmseg.pth'
    run_tool('model_converters/export_encoder.py', saim_checkpoint, out, '--to', 'mmseg')
    converted = torch.load(out, weights_only=True)
    seg_vit = MMSegVisionTransformer(
        img_size=IMG, patch_size=PATCH, embed_dims=D, num_layers=DEPTH, num_heads=HEADS,
        patch_bias=True, final_norm=True, norm_cfg=dict(type='LN', eps=1e-6),
        init_cfg=dict(type='Pretrained', checkpoint=str(out)))
    seg_vit.init_weights()  # mmseg's own loading (strict=False)
    seg_vit.eval()
    weights = seg_vit.state_dict()
    assert weights.keys() == converted.keys()
    for name, value in weights.items():
        torch.testing.assert_close(value, converted[name], rtol=0, atol=0, msg=name)
    images = torch.randn(2, 3, IMG, IMG)
    with torch.no_grad():
        expected = mmpretrain_vit('featmap', saim_checkpoint)(images)[0]
        features = seg_vit(images)[0]
    assert features.shape == (2, D, IMG // PATCH, IMG // PATCH)
    torch.testing.assert_close(features, expected, rtol=0, atol=1e-5)



def test_timm_average_pooled_features_are_mmsaims_mean_features(saim_checkpoint, tmp_path):
    """The README's timm recipe: global_pool='avg' with fc_norm=False pools the patch tokens
    after the final norm, which is extract_features(kind='mean'); timm's default fc_norm for
    'avg' adds a norm the encoder does not have, so a strict load refuses it."""
    out = tmp_path / 'timm.pth'
    run_tool('model_converters/export_encoder.py', saim_checkpoint, out, '--to', 'timm')
    shape = dict(img_size=IMG, patch_size=PATCH, embed_dim=D, depth=DEPTH, num_heads=HEADS,
                 num_classes=0, global_pool='avg')
    weights = torch.load(out, weights_only=True)
    with pytest.raises(RuntimeError, match='fc_norm'):
        TimmVisionTransformer(**shape).load_state_dict(weights, strict=True)
    timm_vit = TimmVisionTransformer(**shape, fc_norm=False)
    timm_vit.load_state_dict(weights, strict=True)
    saim = build_tiny_saim(embed_dims=D, depth=DEPTH, num_heads=HEADS, img_size=IMG,
                           patch_size=PATCH)
    saim.load_state_dict(load_checkpoint_file(saim_checkpoint)['state_dict'])
    images = torch.randn(2, 3, IMG, IMG)
    with torch.no_grad():
        features = timm_vit.eval()(images)
    assert features.shape == (2, D)
    torch.testing.assert_close(features, extract_features(saim, images, kind='mean'),
                               rtol=0, atol=1e-5)

def test_timm_weights_in_mmpretrain(tmp_path):
    torch.manual_seed(0)
    timm_vit = TimmVisionTransformer(img_size=IMG, patch_size=PATCH, embed_dim=D, depth=DEPTH,
                                     num_heads=HEADS, num_classes=5)  # a classifier
    timm_vit.eval()
    src, out = tmp_path / 'timm.safetensors', tmp_path / 'mmsaim.pth'
    save_file(timm_vit.state_dict(), src)
    assert 'head.weight' in tool_error('model_converters/timm_to_mmsaim.py', src, out)
    run_tool('model_converters/timm_to_mmsaim.py', src, out, '--skip-unknown')
    images = torch.randn(2, 3, IMG, IMG)
    with torch.no_grad():
        features = mmpretrain_vit('raw', out)(images)[0]
        expected = timm_vit.forward_features(images)
    torch.testing.assert_close(features, expected, rtol=0, atol=1e-5)


def test_release_checkpoint_converts_and_loads(tmp_path):
    """The release saves ``{'model', 'optimizer', 'epoch', 'args': Namespace}``."""
    src, out = tmp_path / 'release.pth', tmp_path / 'mmsaim.pth'
    release = release_state_dict()
    torch.save({'model': release, 'epoch': 799,
                'args': argparse.Namespace(gaussian_sigma=1, norm_pix_loss=True)}, src)
    run_tool('model_converters/saim_to_mmsaim.py', src, out)
    model = build_tiny_saim(embed_dims=D, depth=DEPTH, num_heads=HEADS, img_size=IMG,
                            patch_size=PATCH)
    model.load_state_dict(torch.load(out, weights_only=True)['state_dict'], strict=True)
    qkv = model.backbone.layers[1].attn.qkv
    torch.testing.assert_close(qkv.weight[D:2 * D], release['blocks.1.attn.k.weight'])
    torch.testing.assert_close(model.neck.layers[0].ffn.layers[1].weight,
                               release['query_blocks.0.mlp.fc2.weight'])
    torch.testing.assert_close(model.head.norm.weight, release['norm.weight'])
