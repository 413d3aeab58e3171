"""FrozenEncoder: the last block's cls token, patch-token mean and patch tokens of a stock
ViT, or those of every block, as predictions; it loads a whole pretraining checkpoint
strictly, reading only the encoder."""
import pytest
import torch
from mmengine.runner import load_state_dict
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from mmsaim.datasets import EncoderFeatureDataset, ImageTensorDataset
from tests.helpers.models import build_tiny_saim
from tests.helpers.toy_imagenet import write_toy_imagenet

ENCODER = dict(type='SAIMViT', arch=dict(embed_dims=32, num_layers=4, num_heads=2,
                                         feedforward_channels=128),
               img_size=16, patch_size=8, out_type='raw', final_norm=True)
CENTER_CROPS = dict(type='BatchCropClsDataPreprocessor', mean=[127.5] * 3, std=[64.] * 3,
                    to_rgb=True, batch_crop=dict(size=16))


def frozen_encoder(**backbone):
    model = MODELS.build(dict(type='FrozenEncoder', backbone=dict(ENCODER, **backbone),
                              data_preprocessor=CENTER_CROPS))
    model.init_weights()
    return model.eval()


def test_cls_and_patch_mean_of_the_last_block():
    model = frozen_encoder()
    images = torch.rand(3, 3, 16, 16)
    features = model(images)
    with torch.no_grad():
        tokens = model.backbone(images)[-1]
    assert features['cls'].shape == features['patch_mean'].shape == (3, 32)
    torch.testing.assert_close(features['cls'], tokens[:, 0])
    torch.testing.assert_close(features['patch_mean'], tokens[:, 1:].mean(dim=1))
    predicted = model(images, [DataSample() for _ in range(3)], mode='predict')
    torch.testing.assert_close(predicted[2].features['patch_mean'], tokens[2, 1:].mean(dim=0))
    with pytest.raises(RuntimeError, match='nothing to train'):
        model(images, mode='loss')


def test_patch_tokens_and_every_block():
    """``patches`` are the last block's patch tokens; with several out_indices, each block's
    features come under its number, each what that block alone would give, the final norm
    on the last block only."""
    images = torch.rand(3, 3, 16, 16)
    model = frozen_encoder()
    model.features = ('patches', )
    with torch.no_grad():
        tokens = model.backbone(images)[-1]
    patches = model(images)
    assert list(patches) == ['patches'] and patches['patches'].shape == (3, 4, 32)
    torch.testing.assert_close(patches['patches'], tokens[:, 1:])

    every_block = MODELS.build(dict(type='FrozenEncoder', features=['patch_mean', 'cls'],
                                    backbone=dict(ENCODER, out_indices=[0, 1, 2, 3])))
    every_block.load_state_dict(model.state_dict())
    features = every_block.eval()(images)
    assert sorted(features) == sorted(f'{name}/block_{k}' for name in ('patch_mean', 'cls')
                                      for k in range(1, 5))
    for k in range(1, 5):
        one_block = MODELS.build(dict(type='FrozenEncoder',
                                      backbone=dict(ENCODER, out_indices=k - 1)))
        one_block.load_state_dict(model.state_dict())
        expected = one_block.eval()(images)
        for name in ('patch_mean', 'cls'):
            torch.testing.assert_close(features[f'{name}/block_{k}'], expected[name])
    predicted = every_block(images, [DataSample() for _ in range(3)], mode='predict')
    torch.testing.assert_close(predicted[1].features['patch_mean/block_2'],
                               features['patch_mean/block_2'][1])


def test_needs_every_token_and_known_features():
    with pytest.raises(ValueError, match="out_type='raw'"):
        frozen_encoder(out_type='cls_token')
    with pytest.raises(ValueError, match='choose from'):
        MODELS.build(dict(type='FrozenEncoder', backbone=ENCODER, features=['mean']))


def test_loads_a_pretraining_checkpoint_strictly():
    saim = build_tiny_saim(img_size=16)  # its backbone, query stream and head
    model = frozen_encoder()
    load_state_dict(model, saim.state_dict(), strict=True)
    for name, value in model.backbone.state_dict().items():
        torch.testing.assert_close(value, saim.backbone.state_dict()[name], rtol=0, atol=0)
    incomplete = {k: v for k, v in saim.state_dict().items() if 'layers.3.' not in k}
    with pytest.raises(RuntimeError, match='missing keys'):
        load_state_dict(model, incomplete, strict=True)
    # every block without the final norm (the k-NN of every block) skips the norm's weights
    every_block = frozen_encoder(final_norm=False, out_indices=[0, 1, 2, 3])
    load_state_dict(every_block, saim.state_dict(), strict=True)
    torch.testing.assert_close(every_block.backbone.layers[3].ffn.layers[1].weight,
                               saim.backbone.layers[3].ffn.layers[1].weight, rtol=0, atol=0)


def test_feature_dataset_holds_the_features_of_the_center_crops(tmp_path):
    saim = build_tiny_saim(img_size=16)
    checkpoint = tmp_path / 'saim.pth'
    torch.save(dict(state_dict=saim.state_dict()), checkpoint)
    root = write_toy_imagenet(tmp_path / 'toy', train_per_class=3, val_per_class=1)
    images = dict(type='ImageTensorDataset', data_root=str(root), split='train', image_size=18)
    encoder = dict(type='FrozenEncoder', data_preprocessor=CENTER_CROPS, backbone=dict(
        ENCODER, init_cfg=dict(type='Pretrained', checkpoint=str(checkpoint),
                               prefix='backbone.')))
    dataset = EncoderFeatureDataset(images, encoder, feature='patch_mean', batch_size=4)
    model = frozen_encoder()
    load_state_dict(model, saim.state_dict(), strict=True)
    stored = ImageTensorDataset(str(root), 'train', image_size=18)
    with torch.no_grad():
        expected = model(**model.data_preprocessor(stored.__getitems__(range(6))))
    assert dataset.inputs.shape == (6, 32)
    torch.testing.assert_close(dataset.inputs, expected['patch_mean'])
    batch = dataset.__getitems__([5, 0])
    assert [s.gt_label.item() for s in batch['data_samples']] == [1, 0]
