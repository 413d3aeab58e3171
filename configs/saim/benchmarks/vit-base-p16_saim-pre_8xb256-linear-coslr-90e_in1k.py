# ImageNet-1k linear probe of a SAIM ViT-B/16 (docs/algorithm.md, recipes): frozen encoder, cls
# feature of the last block, BatchNorm (affine=False, eps 1e-6), then Linear (init std
# 0.01); SGD momentum 0.9, lr 0.1 per 256 images, weight decay 0, 90 epochs, batch 2048.
# The warm-up (10 epochs) follows mmpretrain's MAE linear probe; the paper names none.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32_pil_resize.py',
    '../_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmsaim'], allow_failed_imports=False)
# mmengine's Runner with checkpoints read as data (never executed) and no run written over
runner_type = 'SafeRunner'

train_dataloader = dict(batch_size=256, drop_last=True)
val_dataloader = dict(batch_size=256, drop_last=False)
test_dataloader = val_dataloader

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='SAIMViT',  # mmpretrain's ViT; its Pretrained init loads every weight or stops
        arch='base',
        img_size=224,
        patch_size=16,
        frozen_stages=12,
        out_type='cls_token',
        final_norm=False,  # the last block's output, as the paper's probe reads it
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=dict(type='ClsBatchNormNeck', input_features=768, affine=False, eps=1e-6),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=768,
        loss=dict(type='CrossEntropyLoss'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))

optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='SGD', lr=0.1 * 2048 / 256, momentum=0.9, weight_decay=0.0))
param_scheduler = [
    dict(type='WarmupCosineAnnealingLR', warmup=10, start_factor=1e-4,
         eta_min=0., by_epoch=True, convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=90, val_interval=1)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    checkpoint=dict(type='ResumableCheckpointHook', interval=1, max_keep_ckpts=3),
    logger=dict(type='LoggerHook', interval=10))
custom_hooks = [dict(type='FiniteLossHook')]
randomness = dict(seed=0, diff_rank_seed=True)
auto_scale_lr = dict(base_batch_size=2048)
