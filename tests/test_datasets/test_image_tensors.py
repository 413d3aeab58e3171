"""load_image_tensors: one uint8 tensor per split, BGR, labels and class names from meta/."""
import torch

from mmsaim.datasets import load_image_tensors
from tests.helpers.toy_imagenet import write_toy_imagenet


def test_split_loads_into_one_tensor(tmp_path):
    root = write_toy_imagenet(tmp_path / 'toy', train_per_class=3, val_per_class=2)
    train = load_image_tensors(str(root), 'train', 36)
    val = load_image_tensors(str(root), 'val', 36)
    assert train.images.shape == (6, 3, 36, 36) and train.images.dtype == torch.uint8
    assert val.images.shape == (4, 3, 36, 36)
    assert train.labels.tolist() == [0, 0, 0, 1, 1, 1] and train.classes == ['red', 'blue']
    # BGR like mmcv: red images are brightest in channel 2, blue ones in channel 0.
    means = train.images.float().mean(dim=(2, 3))
    assert (means[:3, 2] > means[:3, 0] + 100).all() and (means[3:, 0] > means[3:, 2] + 100).all()


def test_class_names_default_to_label_numbers(tmp_path):
    root = write_toy_imagenet(tmp_path / 'toy', train_per_class=1, val_per_class=1)
    (root / 'meta' / 'classes.txt').unlink()
    assert load_image_tensors(str(root), 'val', 16).classes == ['0', '1']
