# UperNet on data/camvid (11 classes, void = 255; 367 train / 101 val images at 240x180;
# docs/ade20k.md says where it comes from) with the demo SAIM encoder (ViT width 192, 6
# blocks, 8x8 patches, pretrained on 64 px crops by `make demo`), 500 iterations on CPU.
# The ADE20K config scaled down: features of blocks 2, 3, 4, 6 (the same depth fractions
# as 4, 6, 8, 12 of 12), rescaled x4, x2, x1, x0.5, layer decay 0.65, drop path 0.1,
# whole-image inference.
#   python tools/train.py THIS_CONFIG --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/saim_demo/epoch_12.pth
#   python tools/test.py THIS_CONFIG work_dirs/<this config>/iter_500.pth
_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['mmsaim.seg'], allow_failed_imports=False)
# mmengine's Runner with checkpoints read as data (never executed) and no run written over
runner_type = 'SafeRunner'

data_root = 'data/camvid/'
metainfo = dict(
    classes=('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree', 'SignSymbol', 'Fence',
             'Car', 'Pedestrian', 'Bicyclist'),
    palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [60, 40, 222],
             [128, 128, 0], [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
             [0, 128, 192]])
crop_size = (160, 160)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    # built from mmseg's registry in any scope, e.g. by mmpretrain.get_model(name)
    _scope_='mmseg',
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=crop_size),
    backbone=dict(
        type='SAIMWindowedViT',
        arch=dict(embed_dims=192, num_layers=6, num_heads=3, feedforward_channels=768),
        img_size=64,
        patch_size=8,
        global_attn_indices=tuple(range(6)),
        drop_path_rate=0.1,
        out_indices=(1, 2, 3, 5),
        init_cfg=dict(type='Pretrained', checkpoint='work_dirs/saim_demo/epoch_12.pth',
                      prefix='backbone.')),
    neck=dict(type='MultiLevelNeck', in_channels=[192] * 4, out_channels=192,
              scales=[4, 2, 1, 0.5]),
    decode_head=dict(
        type='UPerHead',
        in_channels=[192] * 4,
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=128,
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=192,
        in_index=2,
        channels=64,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

dataset = dict(type='BaseSegDataset', data_root=data_root, metainfo=metainfo,
               img_suffix='.jpg', seg_map_suffix='.png', reduce_zero_label=False,
               ignore_index=255)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),  # the dataset's reduce_zero_label
    dict(type='RandomResize', scale=(240, 180), ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(240, 180), keep_ratio=True),
    dict(type='LoadAnnotations'),  # the dataset's reduce_zero_label
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(**dataset, data_prefix=dict(img_path='img_dir/train',
                                             seg_map_path='ann_dir/train'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**dataset, data_prefix=dict(img_path='img_dir/val',
                                             seg_map_path='ann_dir/val'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

optim_wrapper = dict(
    constructor='SAIMLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        flat_decay_mult=0.,  # norms and biases
        custom_keys={k: dict(decay_mult=0.) for k in ('pos_embed', 'cls_token', 'rel_pos_bias')}),
    optimizer=dict(type='AdamW', lr=4e-4, betas=(0.9, 0.999), weight_decay=0.05))
max_iters = 500
param_scheduler = [
    dict(type='WarmupPolyLR', warmup=50, start_factor=0.01, power=1.0,
         eta_min=0., by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=25, log_metric_by_epoch=False),
    checkpoint=dict(type='ResumableCheckpointHook', by_epoch=False, interval=max_iters,
                    max_keep_ckpts=1))
custom_hooks = [dict(type='FiniteLossHook')]
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
# `tools/train.py --auto-scale-lr` rescales lr to the actual total batch size.
auto_scale_lr = dict(base_batch_size=4)
