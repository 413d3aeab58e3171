import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.ndimage import gaussian_filter

from mmsaim.models import SAIMPixelHead
from mmsaim.models.heads import gaussian_kernel2d
from mmsaim.models.utils import patchify, unpatchify


def test_gaussian_kernel():
    k = gaussian_kernel2d(9, 1.)
    assert k.shape == (9, 9)
    torch.testing.assert_close(k.sum(), torch.tensor(1.))
    torch.testing.assert_close(k, k.T)
    torch.testing.assert_close(k[4, 5] / k[4, 4], torch.tensor(np.exp(-0.5)).float())
    with pytest.raises(ValueError, match='kernel_size must be odd, got 4'):
        SAIMPixelHead(embed_dims=16, patch_size=4, blur=dict(kernel_size=4, sigma=1.))


@pytest.mark.parametrize('kernel_size,sigma', [(9, 1.), (3, 1.), (9, 1.5)])
def test_blur_matches_scipy_zero_padding(kernel_size, sigma):
    images = torch.randn(2, 3, 20, 24)
    radius = kernel_size // 2
    expected = np.stack([[
        gaussian_filter(c.numpy().astype(np.float64), sigma, mode='constant', cval=0.,
                        radius=radius) for c in image] for image in images])
    head = SAIMPixelHead(embed_dims=16, patch_size=4,
                         blur=dict(kernel_size=kernel_size, sigma=sigma))
    out = head.smooth(images)
    torch.testing.assert_close(out, torch.from_numpy(expected).float(), rtol=1e-5, atol=1e-5)


def test_patchify_layout_and_inverse():
    images = torch.randn(2, 3, 16, 24)
    patches = patchify(images, 8)
    assert patches.shape == (2, 6, 8 * 8 * 3)
    # torch's unfold gives (C, p, p) per patch in raster order; ours is (p, p, C).
    unfolded = F.unfold(images, 8, stride=8).view(2, 3, 8, 8, 6).permute(0, 4, 2, 3, 1)
    torch.testing.assert_close(patches, unfolded.reshape(2, 6, -1))
    torch.testing.assert_close(unpatchify(patches, 8, (2, 3)), images)


def test_target_patches_are_normalized():
    head = SAIMPixelHead(embed_dims=16, patch_size=4, blur=dict(kernel_size=3, sigma=1.))
    target = head.construct_target(torch.randn(2, 3, 16, 16) * 5 + 3)
    assert target.shape == (2, 16, 48)
    torch.testing.assert_close(target.mean(-1), torch.zeros(2, 16), atol=1e-5, rtol=0)
    torch.testing.assert_close(target.var(-1), torch.ones(2, 16), atol=1e-4, rtol=0)


def test_loss_is_mse_over_all_patches_against_smoothed_target():
    torch.manual_seed(0)
    head = SAIMPixelHead(embed_dims=16, patch_size=4, blur=dict(kernel_size=9, sigma=1.))
    head.init_weights()
    feats, images = torch.randn(2, 16, 16), torch.randn(2, 3, 16, 16)
    blurred = torch.from_numpy(np.stack([[
        gaussian_filter(c.numpy().astype(np.float64), 1., mode='constant', radius=4)
        for c in image] for image in images])).float()
    target = F.unfold(blurred, 4, stride=4).view(2, 3, 4, 4, 16).permute(0, 4, 2, 3, 1)
    target = target.reshape(2, 16, 48)
    target = (target - target.mean(-1, keepdim=True)) / (target.var(-1, keepdim=True) + 1e-6)**.5
    out = head(feats, images)
    torch.testing.assert_close(out['target'], target, rtol=1e-5, atol=1e-5)
    expected = ((head.predictor(head.norm(feats)) - target)**2).mean(-1)
    torch.testing.assert_close(out['patch_losses'], expected, rtol=1e-5, atol=1e-6)


def test_no_blur_and_no_norm_pix():
    head = SAIMPixelHead(embed_dims=16, patch_size=4, blur=None, norm_pix=False)
    images = torch.randn(1, 3, 8, 8)
    torch.testing.assert_close(head.construct_target(images), patchify(images, 4))


def test_blur_kernel_is_not_saved_in_checkpoints():
    head = SAIMPixelHead(embed_dims=16, patch_size=4)
    assert head.blur_kernel.shape == (3, 1, 9, 9)
    assert not any(k.startswith('blur') for k in head.state_dict())


def test_patch_losses_follow_the_loss_modules_penalty():
    """An L1 loss module gives each patch's mean absolute error."""
    torch.manual_seed(0)
    head = SAIMPixelHead(embed_dims=16, patch_size=4,
                         loss=dict(type='PixelReconstructionLoss', criterion='L1'))
    out = head(torch.randn(2, 16, 16), torch.randn(2, 3, 16, 16))
    torch.testing.assert_close(out['patch_losses'],
                               (out['prediction'] - out['target']).abs().mean(-1))


def test_loss_must_give_a_per_value_penalty():
    with pytest.raises(ValueError, match='PixelReconstructionLoss'):
        SAIMPixelHead(embed_dims=16, patch_size=4, loss=dict(type='CrossEntropyLoss'))


@pytest.mark.parametrize('blur', [dict(kernel_size=9, sigma=1.), None])
def test_the_target_is_fp32_under_autocast(blur):
    """Flat patches have small variances: normalized in bf16 they would be off by percents."""
    head = SAIMPixelHead(embed_dims=16, patch_size=4, blur=blur)
    images = 0.01 * torch.randn(2, 3, 16, 16)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        target = head.construct_target(images)
    assert target.dtype == torch.float32
    torch.testing.assert_close(target, head.construct_target(images))
