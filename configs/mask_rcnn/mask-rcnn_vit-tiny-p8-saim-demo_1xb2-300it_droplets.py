# Mask R-CNN on data/droplets (COCO format, one class, 59 train / 15 val images, most
# 512x160; docs/coco.md says where it comes from) with the demo SAIM encoder (ViT width
# 192, 6 blocks, 8x8 patches, pretrained on 64 px crops by `make demo`), 300 iterations on
# CPU. The backbone is the COCO config's, scaled down: windows of 8 tokens with global
# attention in blocks 2 and 5, relative position bias, drop path 0.1; its stride-8 map
# gives strides 4..64.
#   python tools/train.py THIS_CONFIG --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/saim_demo/epoch_12.pth
#   python tools/test.py THIS_CONFIG work_dirs/<this config>/iter_300.pth
_base_ = ['mmdet::_base_/models/mask-rcnn_r50_fpn.py', 'mmdet::_base_/default_runtime.py']
custom_imports = dict(imports=['mmsaim.det'], allow_failed_imports=False)
# mmengine's Runner with checkpoints read as data (never executed) and no run written over
runner_type = 'SafeRunner'

data_root = 'data/droplets/'
metainfo = dict(classes=('droplet', ), palette=[(220, 20, 60)])

model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone=dict(
        _delete_=True,
        type='SAIMWindowedViT',
        arch=dict(embed_dims=192, num_layers=6, num_heads=3, feedforward_channels=768),
        img_size=64,
        patch_size=8,
        window_size=8,
        global_attn_indices=(2, 5),
        use_rel_pos_bias=True,
        drop_path_rate=0.1,
        out_indices=(5, ),
        init_cfg=dict(type='Pretrained', checkpoint='work_dirs/saim_demo/epoch_12.pth',
                      prefix='backbone.')),
    neck=dict(
        _delete_=True,
        type='SAIMSimpleFeaturePyramid',
        in_channels=192,
        out_channels=128,
        scales=(2, 1, 0.5, 0.25),
        num_outs=5),
    rpn_head=dict(in_channels=128, feat_channels=128, num_convs=2,
                  anchor_generator=dict(scales=[4])),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=128),
        bbox_head=dict(in_channels=128, fc_out_channels=512, num_classes=1),
        mask_roi_extractor=dict(out_channels=128),
        mask_head=dict(in_channels=128, conv_out_channels=128, num_classes=1)),
    # Fewer proposals and RoIs than COCO's defaults: small images, a CPU budget.
    train_cfg=dict(rpn_proposal=dict(nms_pre=1000, max_per_img=500),
                   rcnn=dict(sampler=dict(num=256))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300), rcnn=dict(max_per_img=200)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomResize', scale=(512, 160), ratio_range=(0.8, 1.25), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(512, 160), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(type='CocoDataset', data_root=data_root, metainfo=metainfo,
                 ann_file='annotations/instances_train.json', data_prefix=dict(img='train/'),
                 filter_cfg=dict(filter_empty_gt=True, min_size=8), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CocoDataset', data_root=data_root, metainfo=metainfo,
                 ann_file='annotations/instances_val.json', data_prefix=dict(img='val/'),
                 test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/instances_val.json',
                     metric=['bbox', 'segm'])
test_evaluator = val_evaluator

optim_wrapper = dict(
    constructor='SAIMLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.7,
        flat_decay_mult=0.,  # norms and biases
        custom_keys={k: dict(decay_mult=0.) for k in ('pos_embed', 'cls_token', 'rel_pos_bias')}),
    optimizer=dict(type='AdamW', lr=3e-4, betas=(0.9, 0.999), weight_decay=0.1),
    clip_grad=dict(max_norm=10.0))
max_iters = 300
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, by_epoch=False, milestones=[240],
         gamma=0.1)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='ResumableCheckpointHook', by_epoch=False, interval=max_iters,
                    max_keep_ckpts=1))
custom_hooks = [dict(type='FiniteLossHook')]
log_processor = dict(by_epoch=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
# `tools/train.py --auto-scale-lr` rescales lr to the actual total batch size.
auto_scale_lr = dict(base_batch_size=2)
