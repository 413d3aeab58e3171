# ADE20K UperNet with a SAIM ViT-B/16 backbone, BEiT's setting: 512x512 crops, 160k
# iterations at batch 16, AdamW lr 1e-4, weight decay 0.05, layer-wise lr decay 0.65, drop
# path 0.1, features of blocks 4, 6, 8, 12 rescaled x4, x2, x1, x0.5 (mmseg's
# MultiLevelNeck), an auxiliary FCN head on block 8, slide inference. Global attention in
# every block. Metric: mmseg's IoUMetric (mIoU). Set the SAIM checkpoint with
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/saim/epoch_800.pth
_base_ = [
    'mmseg::_base_/datasets/ade20k.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_160k.py',
]
custom_imports = dict(imports=['mmsaim.seg'], allow_failed_imports=False)
# mmengine's Runner with checkpoints read as data (never executed) and no run written over
runner_type = 'SafeRunner'

crop_size = (512, 512)
norm_cfg = dict(type='SyncBN', requires_grad=True)
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
        arch='b',
        img_size=224,
        patch_size=16,
        global_attn_indices=tuple(range(12)),
        drop_path_rate=0.1,
        out_indices=(3, 5, 7, 11),
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=dict(type='MultiLevelNeck', in_channels=[768] * 4, out_channels=768,
              scales=[4, 2, 1, 0.5]),
    decode_head=dict(
        type='UPerHead',
        in_channels=[768] * 4,
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=768,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=768,
        in_index=2,
        channels=256,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 341)))

optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    constructor='SAIMLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        flat_decay_mult=0.,  # norms and biases
        custom_keys={k: dict(decay_mult=0.) for k in ('pos_embed', 'cls_token', 'rel_pos_bias')}),
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05))
param_scheduler = [
    dict(type='WarmupPolyLR', warmup=1500, start_factor=1e-6, power=1.0,
         eta_min=0., by_epoch=False)
]
default_hooks = dict(checkpoint=dict(type='ResumableCheckpointHook', by_epoch=False,
                                     interval=16000, max_keep_ckpts=3))
custom_hooks = [dict(type='FiniteLossHook')]
train_dataloader = dict(batch_size=2)
val_dataloader = dict(batch_size=1)
test_dataloader = val_dataloader
auto_scale_lr = dict(base_batch_size=16)
