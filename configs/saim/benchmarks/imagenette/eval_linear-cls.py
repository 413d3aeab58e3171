# Linear probe of the cls token: mmpretrain's ClsBatchNormNeck (BatchNorm without affine) and
# LinearClsHead (init std 0.01, cross-entropy), SGD lr 0.1, momentum 0.9, no weight decay,
# batch 256, cosine over 90 epochs; top-1 on the val split at the end. The encoder's features
# (center crops, no augmentation) are computed once, when the datasets are built
# (EncoderFeatureDataset), so an epoch costs no encoder pass. The checkpoint goes to the
# encoder of both datasets (CKPT: see ./pretrain_saim.py):
#   python tools/train.py configs/saim/benchmarks/imagenette/eval_linear-cls.py \
#     --work-dir work_dirs/representation_benchmark_cpu/saim/eval_linear-cls --resume \
#     --cfg-options train_dataloader.dataset.encoder.backbone.init_cfg.checkpoint=$CKPT \
#     val_dataloader.dataset.encoder.backbone.init_cfg.checkpoint=$CKPT
_base_ = ['./_base_/evaluation.py']

features = dict(type='EncoderFeatureDataset', encoder=_base_.frozen_encoder, feature='cls')
train_dataloader = dict(
    **_base_.in_memory_loader,
    batch_size=256,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**features, images=dict(**_base_.images, split='train')))
val_dataloader = dict(
    **_base_.evaluation_loader,
    dataset=dict(**features, images=dict(**_base_.images, split='val')))
val_evaluator = dict(type='Accuracy', topk=(1, ))
val_cfg = dict()

model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=_base_.num_classes),
    backbone=dict(type='PrecomputedFeatures'),
    neck=dict(
        type='ClsBatchNormNeck',
        input_features=_base_.vit.arch.embed_dims,
        affine=False,
        eps=1e-6),
    head=dict(
        type='LinearClsHead',
        num_classes=_base_.num_classes,
        in_channels=_base_.vit.arch.embed_dims,
        loss=dict(type='CrossEntropyLoss'),
        init_cfg=dict(type='TruncNormal', layer='Linear', std=0.01)))

optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.))
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0., by_epoch=True, begin=0, convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=90, val_interval=90)
# `tools/train.py --auto-scale-lr` rescales lr to the actual total batch size.
auto_scale_lr = dict(base_batch_size=train_dataloader['batch_size'])
# A checkpoint at the end only (a run stopped by TimeLimitHook saves where it stops).
default_hooks = dict(checkpoint=dict(interval=train_cfg['max_epochs']))
