"""Autoregressive completion: kept patches stay, the others are predicted one at a time, each
as the single pass of the model would predict it from the patches before it."""
import numpy as np
import pytest
import torch
from PIL import Image

from mmsaim.apis import complete, random_visible, visible_first, visible_from_mask_file
from mmsaim.models.utils import draw_permutation, patchify
from tests.helpers.models import build_tiny_pixel_saim, build_tiny_saim

VARIANTS = {
    'separate decoder': dict(),
    'explicit masks': dict(explicit_masks=True),
    'shared decoder': dict(neck=dict(type='SAIMQueryDecoder', depth=4,
                                     share_encoder_blocks=True)),
    'no decoder (ViT-iGPT)': dict(neck=None),
}


def single_pass(model, image, order):
    """Every patch's prediction in one pass of the model, (N, p^2 * C)."""
    return model.predict_in_order(image[None], order[None])['prediction'][0]


@pytest.fixture(scope='module')
def image():
    return torch.randn(3, 32, 32, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize('variant', list(VARIANTS))
def test_completion_keeps_visible_patches_and_predicts_each_other_one_in_order(variant, image):
    torch.manual_seed(0)
    model = build_tiny_pixel_saim(**VARIANTS[variant]).eval()
    visible = random_visible((4, 4), .25, torch.Generator().manual_seed(0))
    result = complete(model, image, visible, 'center-out')

    assert result.num_visible == 4
    assert torch.equal(result.permutation,
                       visible_first(draw_permutation('center-out', 1, (4, 4))[0], visible))
    given, completed = patchify(image[None], 8)[0], patchify(result.image[None], 8)[0]
    assert torch.equal(completed[visible], given[visible])  # kept exactly
    hidden = result.permutation[4:]
    assert (completed[hidden] - given[hidden]).abs().amax(dim=1).min() > 1e-3  # all filled
    with torch.no_grad():
        # The first hidden patch is predicted from the visible ones alone: the single pass
        # over the given image predicts the same, whatever its hidden patches hold.
        first = single_pass(model, image, result.permutation)[hidden[0]]
        # Every later patch was predicted from the patches filled before it: the single
        # pass over the completed image predicts each as it was written, so content written
        # after a step did not change that step's prediction.
        again = single_pass(model, result.image, result.permutation)[hidden]
    torch.testing.assert_close(completed[hidden[0]], first, rtol=0, atol=1e-5)
    torch.testing.assert_close(completed[hidden], again, rtol=0, atol=1e-5)


def test_explicit_order_keeps_its_relative_order(image):
    model = build_tiny_pixel_saim().eval()
    order = torch.randperm(16, generator=torch.Generator().manual_seed(3))
    visible = torch.zeros(4, 4, dtype=torch.bool)
    visible[0] = True  # the top row, given as an (h, w) mask
    result = complete(model, image, visible, order)
    assert result.permutation[:4].tolist() == [i for i in order.tolist() if i < 4]
    assert result.permutation[4:].tolist() == [i for i in order.tolist() if i >= 4]


def test_nothing_or_everything_visible(image):
    model = build_tiny_pixel_saim().eval()
    everything = complete(model, image, torch.ones(16, dtype=torch.bool))
    assert torch.equal(everything.image, image)
    nothing = complete(model, image, torch.zeros(16, dtype=torch.bool), 'raster')
    with torch.no_grad():
        first = single_pass(model, image, torch.arange(16))[0]  # from cls alone
    torch.testing.assert_close(patchify(nothing.image[None], 8)[0, 0], first, rtol=0,
                               atol=1e-5)


def test_a_norm_pix_model_is_refused_with_the_fix(image):
    with pytest.raises(ValueError, match='norm_pix=False'):
        complete(build_tiny_saim(), image, torch.ones(16, dtype=torch.bool))


def test_bad_masks_are_refused(image):
    model = build_tiny_pixel_saim()
    with pytest.raises(ValueError, match=r'bool mask of the 4x4 patch grid'):
        complete(model, image, torch.ones(15, dtype=torch.bool))
    with pytest.raises(ValueError, match='fraction of patches kept'):
        random_visible((4, 4), 1.5)
    assert int(random_visible((4, 4), .3).sum()) == 5  # round(0.3 * 16)


def test_mask_file_marks_the_white_patches(tmp_path):
    mask = np.zeros((40, 40), np.uint8)  # resized to 32 and cropped as images are
    mask[:, :20] = 255
    Image.fromarray(mask).save(tmp_path / 'mask.png')
    visible = visible_from_mask_file(str(tmp_path / 'mask.png'), 32, (4, 4)).view(4, 4)
    assert visible[:, :2].all() and not visible[:, 2:].any()
