# COCO 2017 Mask R-CNN with a SAIM ViT-B/16 backbone, following "Benchmarking detection
# transfer learning with vision transformers" (Li et al. 2021) as done in ViTDet:
# large-scale jitter at 1024 (100 epochs, batch 64), absolute position embeddings
# interpolated from 224, 14x14 windowed attention with global attention in blocks
# 2, 5, 8, 11, relative position bias, drop path 0.1, a simple feature pyramid from the
# single stride-16 map, AdamW lr 1e-4 / wd 0.1 with layer-wise lr decay 0.7, AMP.
# Metrics: mmdet's CocoMetric (bbox and segm). Set the SAIM checkpoint with
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/saim/epoch_800.pth
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    'mmdet::common/lsj-100e_coco-instance.py',
]
custom_imports = dict(imports=['mmsaim.det'], allow_failed_imports=False)
# mmengine's Runner with checkpoints read as data (never executed) and no run written over
runner_type = 'SafeRunner'

image_size = (1024, 1024)
model = dict(
    data_preprocessor=dict(
        pad_size_divisor=32,
        batch_augments=[dict(type='BatchFixedSizePad', size=image_size, pad_mask=True)]),
    backbone=dict(
        _delete_=True,
        type='SAIMWindowedViT',
        arch='b',
        img_size=224,
        patch_size=16,
        window_size=14,
        global_attn_indices=(2, 5, 8, 11),
        use_rel_pos_bias=True,
        drop_path_rate=0.1,
        out_indices=(11, ),
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=dict(
        _delete_=True,
        type='SAIMSimpleFeaturePyramid',
        in_channels=768,
        out_channels=256,
        scales=(4, 2, 1, 0.5),
        num_outs=5),
    rpn_head=dict(num_convs=2))

train_dataloader = dict(batch_size=2, num_workers=4)

optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    constructor='SAIMLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.7,
        flat_decay_mult=0.,  # norms and biases
        custom_keys={k: dict(decay_mult=0.) for k in ('pos_embed', 'cls_token', 'rel_pos_bias')}),
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.1))

# 100 epochs = RepeatDataset(times=4) x 25 epochs of the base; warm-up, then steps at
# 88 and 96 epochs, as in ViTDet.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=250),
    dict(type='MultiStepLR', begin=0, by_epoch=True, milestones=[22, 24], gamma=0.1)
]
train_cfg = dict(max_epochs=25, val_interval=5)
default_hooks = dict(checkpoint=dict(type='ResumableCheckpointHook', interval=1,
                                     max_keep_ckpts=3))
custom_hooks = [dict(type='FiniteLossHook')]
auto_scale_lr = dict(base_batch_size=64)
