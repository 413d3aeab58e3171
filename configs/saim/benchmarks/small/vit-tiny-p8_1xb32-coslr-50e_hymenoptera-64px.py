# Small benchmark, fine-tuning on hymenoptera (ants vs bees, 244 train / 153 val) at 64 px:
# the SAIM recipe scaled down (layer decay 0.65, drop path 0.1, label smoothing 0.1, cls token
# after the final norm). Set the encoder with
#   --cfg-options model.backbone.init_cfg.checkpoint=PRETRAINED.pth   (or init_cfg=None)
_base_ = ['mmpretrain::_base_/default_runtime.py']
custom_imports = dict(imports=['mmsaim'], allow_failed_imports=False)

img_size = 64
data_root = '../shared/data/hymenoptera/'
data_preprocessor = dict(
    num_classes=2, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=img_size, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=img_size * 8 // 7, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='PackInputs')
]
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='CustomDataset', data_root=data_root, ann_file='meta/train.txt',
                 data_prefix='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CustomDataset', data_root=data_root, ann_file='meta/val.txt',
                 data_prefix='val', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VisionTransformer',
        arch=dict(embed_dims=192, num_layers=6, num_heads=3, feedforward_channels=768),
        img_size=img_size,
        patch_size=8,
        drop_path_rate=0.1,
        out_type='cls_token',
        final_norm=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=None,
    head=dict(
        type='LinearClsHead',
        num_classes=2,
        in_channels=192,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]))

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05, betas=(0.9, 0.999)),
    constructor='LearningRateDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        custom_keys={
            '.ln': dict(decay_mult=0.0),
            '.bias': dict(decay_mult=0.0),
            '.cls_token': dict(decay_mult=0.0),
            '.pos_embed': dict(decay_mult=0.0)
        }))
max_epochs = 50
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 5, by_epoch=True, begin=5,
         end=max_epochs, eta_min=1e-6, convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=1),
    logger=dict(type='LoggerHook', interval=10))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
