"""extract_features: the last block's cls token and patch-token mean of a stock ViT; top-1."""
import pytest
import torch
from mmpretrain.models import VisionTransformer

from mmsaim.evaluation import extract_features, top1_accuracy


def tiny_vit(**kwargs):
    arch = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
    vit = VisionTransformer(arch=arch, img_size=16, patch_size=8, **kwargs)
    vit.init_weights()
    return vit


def test_cls_and_patch_mean_of_the_last_block():
    vit = tiny_vit(out_type='raw')
    images = torch.randint(0, 256, (5, 3, 16, 16), dtype=torch.uint8)

    def preprocess(batch):
        return batch.float() / 255

    feats = extract_features(vit, images, preprocess, batch_size=2)
    with torch.no_grad():
        tokens = vit(preprocess(images))[-1]
    assert feats['cls'].shape == feats['patch_mean'].shape == (5, 32)
    torch.testing.assert_close(feats['cls'], tokens[:, 0])
    torch.testing.assert_close(feats['patch_mean'], tokens[:, 1:].mean(dim=1))


def test_needs_raw_tokens():
    with pytest.raises(ValueError, match='raw'):
        extract_features(tiny_vit(out_type='cls_token'), torch.zeros(1, 3, 16, 16),
                         lambda batch: batch)


def test_top1_ignores_score_sign():
    # mmpretrain's Accuracy on scores counts a top score below 0 as a miss; on labels it does not.
    logits = torch.tensor([[-3., -1.], [-1., -3.]])
    assert top1_accuracy(logits, torch.tensor([1, 0])) == 100.
