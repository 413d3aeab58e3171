# Fine-tune: mmpretrain's ImageClassifier on the whole encoder, classifying the mean patch token
# through a new LayerNorm (out_type='avg_featmap', final_norm=False), LinearClsHead with label
# smoothing 0.1, Mixup 0.8 / CutMix 1.0, drop path 0.1, random resized crops (0.08, 1) with
# flips, AdamW (0.9, 0.999), weight decay 0.05, layer-wise lr decay 0.75, a linear warm-up
# then a cosine to 1e-6; the preset sets the epochs, batch and lr. Top-1 on the val split's
# center crops at the end. RandAugment and random erasing of the paper's recipe are left out.
# The checkpoint goes to the encoder's init_cfg (CKPT: see ./pretrain_saim.py):
#   python tools/train.py configs/saim/benchmarks/imagenette/eval_finetune.py \
#     --work-dir work_dirs/representation_benchmark_cpu/saim/eval_finetune --resume \
#     --cfg-options model.backbone.init_cfg.checkpoint=$CKPT
_base_ = ['./_base_/evaluation.py']

model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='BatchCropClsDataPreprocessor',
        num_classes=_base_.num_classes,
        **_base_.normalization,
        batch_crop=dict(size=_base_.crop_size, scale=(0.08, 1.))),
    backbone=dict(
        **_base_.pretrained_encoder,
        drop_path_rate=0.1,
        out_type='avg_featmap',
        final_norm=False),
    head=dict(
        type='LinearClsHead',
        num_classes=_base_.num_classes,
        in_channels=_base_.vit.arch.embed_dims,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]))

train_dataloader = dict(
    **_base_.in_memory_loader,
    batch_size=_base_.finetune.batch_size,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**_base_.images, split='train'))
val_dataloader = dict(**_base_.evaluation_loader, dataset=dict(**_base_.images, split='val'))
val_evaluator = dict(type='Accuracy', topk=(1, ))
val_cfg = dict()

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=_base_.finetune.lr, weight_decay=0.05, betas=(0.9, 0.999)),
    constructor='LearningRateDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.75,
        custom_keys={
            '.ln': dict(decay_mult=0.),
            '.bias': dict(decay_mult=0.),
            '.cls_token': dict(decay_mult=0.),
            '.pos_embed': dict(decay_mult=0.),
        }))
param_scheduler = [
    dict(type='WarmupCosineAnnealingLR', warmup=_base_.finetune.warmup_epochs,
         start_factor=1e-3, eta_min=1e-6, by_epoch=True,
         convert_to_iter_based=True)
]
train_cfg = dict(
    type='EpochBasedTrainLoop',
    max_epochs=_base_.finetune.epochs,
    val_interval=_base_.finetune.epochs)
# `tools/train.py --auto-scale-lr` rescales lr to the actual total batch size.
auto_scale_lr = dict(base_batch_size=_base_.finetune.batch_size)
