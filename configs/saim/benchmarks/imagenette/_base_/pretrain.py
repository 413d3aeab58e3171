# Pretraining without labels on the train split: random resized crops (scale (0.2, 1), the
# reference code's and MAE's) with flips, AdamW (0.9, 0.95), weight decay 0.05 except on
# norms, biases and embeddings, a linear warm-up from 1/1000 of the lr, then a cosine to 1e-5.
_base_ = ['./imagenette.py']

pretrain_crop = dict(size=_base_.crop_size, scale=(0.2, 1.))
train_dataloader = dict(
    **_base_.in_memory_loader,
    batch_size=_base_.pretrain.batch_size,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**_base_.images, split='train', with_label=False))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=_base_.pretrain.lr, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0.,
        bias_decay_mult=0.,
        custom_keys={
            'pos_embed': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.),
        }))
param_scheduler = [
    dict(type='WarmupCosineAnnealingLR', warmup=_base_.pretrain.warmup_epochs,
         start_factor=1e-3, eta_min=1e-5, by_epoch=True,
         convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=_base_.pretrain.epochs)
# `tools/train.py --auto-scale-lr` rescales lr to the actual total batch size.
auto_scale_lr = dict(base_batch_size=_base_.pretrain.batch_size)
