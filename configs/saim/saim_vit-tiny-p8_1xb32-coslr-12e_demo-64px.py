# SAIM demo: a tiny ViT (width 192, 6 blocks, 8x8 patches) pretrained on 64 px crops of
# three small datasets under data/ (the train images of hymenoptera, CamVid and droplets,
# 670 in all; docs/small_datasets.md says where they come from) for 12 epochs on CPU (a few
# minutes on 2 cores). Writes a checkpoint per epoch and the reconstruction picture to the
# work dir. The test (tools/test.py) is the pretraining loss on CamVid's 101 val images.
_base_ = ['./_base_/models/saim_vit-base-p16.py', './_base_/default_runtime.py']
custom_imports = dict(imports=['mmsaim'], allow_failed_imports=False)
# mmengine's Runner with checkpoints read as data (never executed) and no run written over
runner_type = 'SafeRunner'

img_size = 64
data_root = 'data/'

# The base SAIM model at width 192, 6 + 6 blocks, 8x8 patches.
model = dict(
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=192, num_layers=6, num_heads=3,
                  feedforward_channels=768),
        img_size=img_size,
        patch_size=8))

train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=img_size, crop_ratio_range=(0.67, 1.0),
         aspect_ratio_range=(3. / 4., 4. / 3.), backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs')
]
unlabeled_folders = ['hymenoptera/train', 'camvid/img_dir/train', 'droplets/train']
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(type='CustomDataset', data_root=data_root, data_prefix=folder,
                 with_label=False, pipeline=train_pipeline) for folder in unlabeled_folders
        ]))

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=img_size, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='PackInputs')
]
test_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='CustomDataset', data_root=data_root, data_prefix='camvid/img_dir/val',
                 with_label=False, pipeline=test_pipeline))
test_cfg = dict(type='LossTestLoop')
test_evaluator = dict(type='MeanLoss')

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1.5e-3, betas=(0.9, 0.95), weight_decay=0.05),
    constructor='SummarizedOptimWrapperConstructor',  # one log line for paramwise_cfg
    paramwise_cfg=dict(
        custom_keys={
            'ln': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.),
            'bias': dict(decay_mult=0.),
            'pos_embed': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.),
        }))
# One warm-up epoch, then cosine decay to the end of training (`train_cfg.max_epochs`).
param_scheduler = [
    dict(type='WarmupCosineAnnealingLR', warmup=1, start_factor=1e-3,
         eta_min=1e-5, by_epoch=True, convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='ResumableCheckpointHook', interval=1, max_keep_ckpts=2))
custom_hooks = [
    dict(type='FiniteLossHook'),
    dict(type='SAIMReconstructionHook', img_size=img_size, num_images=4, interval=4),
]
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0, diff_rank_seed=True)
# `tools/train.py --auto-scale-lr` rescales lr to the actual total batch size.
auto_scale_lr = dict(base_batch_size=32)
