# The public reference code's settings where they differ from the paper: RandomResizedCrop
# scale (0.2, 1.0) and the weight decay of 0.5 that its README passes (fp16 autocast is
# AmpOptimWrapper, as in the paper config).
_base_ = './saim_vit-base-p16_8xb256-amp-coslr-300e_in1k.py'

train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='CheckedLoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.2, 1.0),
         aspect_ratio_range=(3. / 4., 4. / 3.), backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs')
]))
optim_wrapper = dict(optimizer=dict(weight_decay=0.5))
