"""Fine-tuning a stock mmpretrain classifier on in-memory images: 100% where the images show
the class, chance where the labels are independent of the images."""
import pytest
import torch
from mmengine.runner import set_random_seed

from mmsaim.evaluation import finetune_classifier, top1_accuracy
from tests.helpers.toy_features import check_known_answer

MODEL = dict(
    type='ImageClassifier',
    data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=2, mean=[127.5] * 3,
                           std=[64.] * 3, to_rgb=True),
    backbone=dict(type='VisionTransformer',
                  arch=dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64),
                  img_size=16, patch_size=8, out_type='avg_featmap', final_norm=False),
    head=dict(type='LinearClsHead', num_classes=2, in_channels=32,
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]))
OPTIM = dict(optimizer=dict(type='AdamW', lr=3e-3, weight_decay=0.05),
             constructor='LearningRateDecayOptimWrapperConstructor',
             paramwise_cfg=dict(layer_decay_rate=0.75))


def images(n, labels_visible, g):
    """(n, 3, 18, 18) uint8 BGR noise; with ``labels_visible`` class 1 is much bluer."""
    labels = torch.arange(n) % 2
    imgs = torch.randint(0, 120, (n, 3, 18, 18), generator=g, dtype=torch.uint8)
    if labels_visible:
        imgs[labels == 1, 0] += 130
    return imgs, labels


@pytest.mark.parametrize('labels_visible', [True, False], ids=['separating', 'random'])
def test_finetune_accuracy_on_toy_images(labels_visible):
    g = torch.Generator().manual_seed(0)
    train_images, train_labels = images(48, labels_visible, g)
    test_images, test_labels = images(32, labels_visible, g)
    set_random_seed(0)
    logits, stats = finetune_classifier(
        MODEL, OPTIM, train_images, train_labels, test_images, crop_size=16, epochs=12,
        batch_size=16, warmup_epochs=1, crop_scale=(0.5, 1.), generator=g)
    assert logits.shape == (32, 2) and stats['iters'] == 12 * 3
    check_known_answer(top1_accuracy(logits, test_labels), labels_visible)
