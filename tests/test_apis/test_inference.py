"""init_model, extract_features and reconstruct: what a user with a checkpoint calls."""
import os.path as osp

import pytest
import torch
from mmpretrain.models import VisionTransformer

from mmsaim.apis import extract_features, init_model, reconstruct
from mmsaim.models.utils import denormalize_patches, patchify, unpatchify
from mmsaim.fileio import CheckpointError
from tests.helpers.models import build_tiny_pixel_saim, build_tiny_saim
from tests.helpers.tool_runs import ROOT, write_images

DEMO = osp.join(ROOT, 'configs/saim/saim_vit-tiny-p8_1xb32-coslr-12e_demo-64px.py')


@pytest.fixture(scope='module')
def demo_checkpoint(tmp_path_factory):
    """Random weights of the demo config's model, saved as training saves them."""
    model = init_model(DEMO)
    torch.manual_seed(0)
    weights = {k: torch.randn_like(v) for k, v in model.state_dict().items()}
    path = tmp_path_factory.mktemp('ckpt') / 'demo.pth'
    torch.save({'state_dict': weights, 'meta': {'epoch': 1}}, path)
    return str(path), weights


def test_init_model_loads_every_weight_in_eval_mode(demo_checkpoint):
    path, weights = demo_checkpoint
    model = init_model(DEMO, path, device='cpu')
    assert not model.training and type(model).__name__ == 'SAIM'
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, weights[name], rtol=0, atol=0, msg=name)


def test_init_model_without_checkpoint_has_sincos_positions():
    model = init_model(DEMO)
    assert model.backbone.pos_embed.abs().sum() > 0  # built by init_weights, not zeros


def test_init_model_refuses_unfit_and_unsafe_checkpoints(tmp_path):
    encoder_only = tmp_path / 'encoder.pth'
    torch.save({'state_dict': {'backbone.cls_token': torch.zeros(1, 1, 192)}}, encoder_only)
    with pytest.raises(CheckpointError, match='does not fit the model of'):
        init_model(DEMO, str(encoder_only))
    unsafe = tmp_path / 'unsafe.pth'
    torch.save({'state_dict': {}, 'hook': osp.join}, unsafe)  # a function: could run code
    with pytest.raises(CheckpointError, match='Refusing to load'):
        init_model(DEMO, str(unsafe))


def test_features_are_the_stock_vision_transformer_tokens():
    """Full attention, after the final norm: what mmpretrain's ViT gives with these weights,
    its patch tokens (in raster order), their mean, and its cls token."""
    model = build_tiny_saim()
    images = torch.randn(2, 3, 32, 32)
    vit = VisionTransformer(
        arch=dict(embed_dims=32, num_layers=4, num_heads=2, feedforward_channels=128),
        img_size=32, patch_size=8, out_type='raw', norm_cfg=dict(type='LN', eps=1e-6))
    vit.load_state_dict(model.backbone.state_dict())
    vit.eval()
    with torch.no_grad():
        (tokens, ) = vit(images)  # (2, 1 + 16, 32)
    torch.testing.assert_close(extract_features(model, images, 'patches'), tokens[:, 1:])
    torch.testing.assert_close(extract_features(model, images, 'mean'), tokens[:, 1:].mean(1))
    torch.testing.assert_close(extract_features(model, images, 'cls'), tokens[:, 0])
    assert model.backbone.out_type == 'cls_token'  # the model is left as it was


def test_features_of_image_files(tmp_path):
    write_images(tmp_path, count=2)
    model = build_tiny_saim()
    paths = [str(tmp_path / '0.jpg'), str(tmp_path / '1.jpg')]
    assert extract_features(model, paths, 'patches').shape == (2, 16, 32)
    # in batches, with a progress bar: the same features
    torch.testing.assert_close(extract_features(model, paths, batch_size=1, progress=True),
                               extract_features(model, paths))
    with pytest.raises(ValueError, match='Cannot read image'):
        extract_features(model, [str(tmp_path / 'missing.jpg')])
    with pytest.raises(ValueError, match="kind must be one of"):
        extract_features(model, paths, 'avg')


def test_reconstruct_image_is_the_prediction_in_pixels():
    images = torch.randn(2, 3, 32, 32)
    pixel_model = build_tiny_pixel_saim()
    out = reconstruct(pixel_model, images, 'raster')
    assert out['permutation'].tolist() == [list(range(16))] * 2
    torch.testing.assert_close(out['image'], unpatchify(out['prediction'], 8, (4, 4)))
    norm_pix_model = build_tiny_saim()  # shown with the target patches' mean and variance
    out = reconstruct(norm_pix_model, images)
    torch.testing.assert_close(patchify(out['image'], 8), denormalize_patches(
        out['prediction'], patchify(out['smoothed'], 8)))
    assert out['permutation'].shape == (2, 16) and norm_pix_model.training  # mode restored
