"""Batch crops: the identity box reproduces the image, flips flip, boxes have the drawn size;
the data preprocessors crop on the batch (random in training, central in evaluation) before
normalizing, and Mixup / CutMix follow."""
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from mmsaim.models.data_preprocessors.batch_crop import center_crop, random_resized_crop

NORMALIZE = dict(mean=[100., 110., 120.], std=[50., 55., 60.], to_rgb=True)


def ramp(B=4, H=16, W=16):
    """Images whose value is the column index: (B, 3, H, W)."""
    return torch.arange(W, dtype=torch.float32).expand(B, 3, H, W).clone()


def test_full_box_without_flip_is_the_image():
    images = torch.randint(0, 256, (3, 3, 12, 12), dtype=torch.uint8)
    crops = random_resized_crop(images, 12, scale=(1., 1.), ratio=(1., 1.), flip_prob=0.)
    assert crops.dtype == torch.float32
    torch.testing.assert_close(crops, images.float(), atol=1e-3, rtol=0)


def test_flip_reverses_the_columns():
    images = ramp()
    crops = random_resized_crop(images, 16, scale=(1., 1.), ratio=(1., 1.), flip_prob=1.)
    torch.testing.assert_close(crops, images.flip(-1), atol=1e-3, rtol=0)


def test_box_area_and_position_follow_the_draw():
    images = ramp(B=64, H=32, W=32)
    g = torch.Generator().manual_seed(0)
    crops = random_resized_crop(images, 8, scale=(0.25, 0.25), ratio=(1., 1.), flip_prob=0.,
                                generator=g)
    # A quarter of the area with ratio 1 is a 16 x 16 box: every crop spans ~15 columns of the
    # ramp, at positions that vary from image to image.
    span = crops[:, 0, 0, -1] - crops[:, 0, 0, 0]
    assert span.sub(16 * 7 / 8).abs().max() < 0.01
    assert crops[:, 0, 0, 0].min() < 4 and crops[:, 0, 0, 0].max() > 12
    again = random_resized_crop(images, 8, scale=(0.25, 0.25), ratio=(1., 1.), flip_prob=0.,
                                generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(again, crops, rtol=0, atol=0)


@pytest.mark.parametrize('size', [8, 9])
def test_center_crop_takes_the_middle(size):
    images = torch.arange(16 * 16, dtype=torch.uint8).view(1, 1, 16, 16)
    crop = center_crop(images, size)
    top = (16 - size) // 2
    assert crop.shape == (1, 1, size, size) and crop.dtype == torch.float32
    assert crop[0, 0, 0, 0] == images[0, 0, top, top]


def test_center_crop_larger_than_the_images_is_refused():
    with pytest.raises(ValueError, match='at least as large'):
        center_crop(torch.zeros(1, 3, 8, 8), 9)


@pytest.mark.parametrize('kind', ['BatchCropSelfSupDataPreprocessor',
                                  'BatchCropClsDataPreprocessor'])
def test_preprocessors_crop_then_normalize(kind):
    preprocessor = MODELS.build(dict(type=kind, **NORMALIZE,
                                     batch_crop=dict(size=16, scale=(0.2, 1.))))
    plain = MODELS.build(dict(type=kind, **NORMALIZE))
    images = torch.randint(0, 256, (4, 3, 20, 20), dtype=torch.uint8)
    # Evaluation: the center crop, normalized as the uncropping preprocessor normalizes.
    evaluated = preprocessor(dict(inputs=images, data_samples=None))['inputs']
    torch.testing.assert_close(
        evaluated, plain(dict(inputs=images[..., 2:18, 2:18], data_samples=None))['inputs'])
    # Training: a random crop per image, drawn from the global generator.
    torch.manual_seed(0)
    trained = preprocessor(dict(inputs=images, data_samples=None), training=True)['inputs']
    torch.manual_seed(0)
    expected = random_resized_crop(images, 16, scale=(0.2, 1.))
    assert trained.shape == (4, 3, 16, 16)
    torch.testing.assert_close(trained,
                               plain(dict(inputs=expected, data_samples=None))['inputs'])


def test_mixup_follows_the_crops():
    preprocessor = MODELS.build(dict(
        type='BatchCropClsDataPreprocessor', **NORMALIZE, num_classes=3,
        batch_crop=dict(size=16), batch_augments=dict(augments=[dict(type='Mixup', alpha=1.)])))
    samples = [DataSample().set_gt_label(i % 3) for i in range(4)]
    data = preprocessor(dict(inputs=torch.randint(0, 256, (4, 3, 20, 20), dtype=torch.uint8),
                             data_samples=samples), training=True)
    assert data['inputs'].shape == (4, 3, 16, 16)
    scores = torch.stack([s.gt_score for s in data['data_samples']])
    assert scores.shape == (4, 3) and torch.allclose(scores.sum(dim=1), torch.ones(4))
