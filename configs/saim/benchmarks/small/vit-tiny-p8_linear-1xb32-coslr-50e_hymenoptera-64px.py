# Small benchmark, linear probe on hymenoptera at 64 px: frozen encoder, last-block cls
# feature, BatchNorm (affine=False), Linear; SGD momentum 0.9, weight decay 0.
_base_ = ['./vit-tiny-p8_1xb32-coslr-50e_hymenoptera-64px.py']

model = dict(
    backbone=dict(frozen_stages=6, drop_path_rate=0., final_norm=False),
    neck=dict(_delete_=True, type='ClsBatchNormNeck', input_features=192, affine=False,
              eps=1e-6),
    head=dict(loss=dict(_delete_=True, type='CrossEntropyLoss'),
              init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))
optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=50, by_epoch=True, begin=0, end=50, eta_min=0.,
         convert_to_iter_based=True)
]
