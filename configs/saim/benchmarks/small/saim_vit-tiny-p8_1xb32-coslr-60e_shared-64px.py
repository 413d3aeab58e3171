# Small benchmark, pretraining (a): SAIM, stochastic order, on the unlabeled train images of
# ../shared/data at 64 px. The demo recipe, run for 60 epochs.
_base_ = ['../../saim_vit-tiny-p8_1xb32-coslr-12e_demo-64px.py']

max_epochs = 60
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 5, eta_min=1e-5, by_epoch=True,
         begin=5, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = [dict(type='SAIMReconstructionHook', img_size=64, num_images=4)]
