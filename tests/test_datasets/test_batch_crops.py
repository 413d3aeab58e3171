"""Batch crops: the identity box reproduces the image, flips flip, boxes have the drawn size."""
import pytest
import torch

from mmsaim.datasets import center_crop, random_resized_crop


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
