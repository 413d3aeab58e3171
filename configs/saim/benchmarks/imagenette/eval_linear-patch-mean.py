# Linear probe of the mean patch token: ./eval_linear-cls.py on the other feature.
_base_ = ['./eval_linear-cls.py']

train_dataloader = dict(dataset=dict(feature='patch_mean'))
val_dataloader = dict(dataset=dict(feature='patch_mean'))
