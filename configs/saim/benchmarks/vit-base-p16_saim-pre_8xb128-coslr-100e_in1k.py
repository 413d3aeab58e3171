# ImageNet-1k fine-tuning of a SAIM ViT-B/16 (docs/algorithm.md, recipes): 100 epochs, batch 1024,
# AdamW lr 2e-3 (5e-4 per 256), 20 warm-up epochs, min lr 1e-6, layer-wise lr decay 0.65,
# weight decay 0.05, drop path 0.1, RandAugment m9-mstd0.5, random erasing 0.25, mixup 0.8,
# cutmix 1.0, label smoothing 0.1; the classifier reads the mean of the last block's patch
# tokens through a new LayerNorm (global average pooling, the encoder's final norm unused:
# the reference code's default; SAIM's cls token attends only to itself during
# pretraining); eval resize 256, crop 224.
# Set the checkpoint with
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/saim/epoch_300.pth
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs64_swin_224.py',
    'mmpretrain::_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmsaim'], allow_failed_imports=False)
# mmengine's Runner with checkpoints read as data (never executed) and no run written over
runner_type = 'SafeRunner'

train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=9, magnitude_std=0.5,
         hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic')),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=[103.53, 116.28, 123.675],
         fill_std=[57.375, 57.12, 58.395]),
    dict(type='PackInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),  # the name mmpretrain's inferencers replace
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs')
]
train_dataloader = dict(batch_size=128, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=128, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='SAIMViT',  # mmpretrain's ViT; its Pretrained init loads every weight or stops
        arch='base',
        img_size=224,
        patch_size=16,
        drop_path_rate=0.1,
        out_type='avg_featmap',  # LayerNorm(mean of the patch tokens), a new ln2
        final_norm=False,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=None,
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=768,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]))

optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='AdamW', lr=5e-4 * 1024 / 256, weight_decay=0.05, betas=(0.9, 0.999)),
    constructor='LearningRateDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        custom_keys={
            '.ln': dict(decay_mult=0.0),
            '.bias': dict(decay_mult=0.0),
            '.cls_token': dict(decay_mult=0.0),
            '.pos_embed': dict(decay_mult=0.0)
        }))
param_scheduler = [
    dict(type='WarmupCosineAnnealingLR', warmup=20, start_factor=1e-4,
         eta_min=1e-6, by_epoch=True, convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=100)
default_hooks = dict(
    checkpoint=dict(type='ResumableCheckpointHook', interval=1, max_keep_ckpts=3))
custom_hooks = [dict(type='FiniteLossHook')]
randomness = dict(seed=0, diff_rank_seed=True)
auto_scale_lr = dict(base_batch_size=1024)
