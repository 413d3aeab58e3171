# ImageNet's per-channel mean and std (RGB, 0-255), with the BGR images that mmcv decodes
# converted to RGB: the normalization of every SAIM model and of its evaluations.
normalization = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
