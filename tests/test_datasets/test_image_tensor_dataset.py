"""ImageTensorDataset: a split decoded once into one uint8 tensor, a batch fetched by one
indexing, joined splits named per sample; the Runner's DataLoader serves its batches."""
import pytest
import torch
from mmengine.device import get_device
from mmengine.runner import Runner

from mmsaim.datasets import ImageTensorDataset, decode_split
from tests.helpers.toy_imagenet import write_toy_imagenet


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    return str(write_toy_imagenet(tmp_path_factory.mktemp('data') / 'toy', train_per_class=3,
                                  val_per_class=2))


def test_split_is_one_bgr_tensor(toy):
    train = ImageTensorDataset(toy, 'train', image_size=36)
    assert train.inputs.shape == (6, 3, 36, 36) and train.inputs.dtype == torch.uint8
    assert train.metainfo == dict(classes=['red', 'blue'])
    # BGR like mmcv: red images are brightest in channel 2, blue ones in channel 0.
    means = train.inputs.float().mean(dim=(2, 3))
    assert (means[:3, 2] > means[:3, 0] + 100).all() and (means[3:, 0] > means[3:, 2] + 100).all()
    sample = train[4]
    assert torch.equal(sample['inputs'], train.inputs[4])
    assert sample['data_samples'].gt_label.tolist() == [1]
    assert sample['data_samples'].split == 'train'


def test_a_batch_is_one_indexing_and_splits_join(toy):
    both = ImageTensorDataset(toy, ['train', 'val'], image_size=24)
    assert len(both) == 10
    batch = both.__getitems__([9, 0, 6])
    assert torch.equal(batch['inputs'], both.inputs[[9, 0, 6]])
    assert [s.split for s in batch['data_samples']] == ['val', 'train', 'val']
    assert [s.sample_idx for s in batch['data_samples']] == [9, 0, 6]  # as PackInputs gives it
    assert [s.gt_label.item() for s in batch['data_samples']] == [1, 0, 0]
    unlabeled = ImageTensorDataset(toy, 'val', image_size=24, with_label=False)
    assert unlabeled.__getitems__([0, 1])['data_samples'] is None
    assert torch.equal(unlabeled.inputs, both.inputs[6:])


def test_decoded_once_per_process(toy):
    decode_split.cache_clear()
    ImageTensorDataset(toy, 'val', image_size=20)
    ImageTensorDataset(toy, ['train', 'val'], image_size=20)
    assert decode_split.cache_info().misses == 2 and decode_split.cache_info().hits == 1


def test_class_names_default_to_label_numbers(toy, tmp_path):
    root = write_toy_imagenet(tmp_path / 'toy', train_per_class=1, val_per_class=1)
    (root / 'meta' / 'classes.txt').unlink()
    assert ImageTensorDataset(str(root), 'val', image_size=16).classes == ['0', '1']


def test_runner_dataloader_serves_whole_batches(toy):
    loader = Runner.build_dataloader(dict(
        batch_size=4, num_workers=0, drop_last=True, collate_fn=dict(type='batched_collate'),
        sampler=dict(type='DefaultSampler', shuffle=True, seed=0),
        dataset=dict(type='ImageTensorDataset', data_root=toy, split='train', image_size=20)))
    batches = list(loader)
    assert len(batches) == 1  # 6 images, the last partial batch dropped
    assert batches[0]['inputs'].shape == (4, 3, 20, 20)
    assert len(batches[0]['data_samples']) == 4


def test_stored_for_its_crops_where_the_model_runs(toy):
    """Given the crop size, the images are stored at 9/8 of it; by default they are held on
    the device mmengine's Runner puts the model on."""
    val = ImageTensorDataset(toy, 'val', crop_size=32)
    assert val.inputs.shape[-2:] == (36, 36) and val.inputs.device.type == get_device()
    for sizes in (dict(), dict(image_size=36, crop_size=32)):
        with pytest.raises(ValueError, match='give image_size'):
            ImageTensorDataset(toy, 'val', **sizes)
