_base_ = './saim_vit-base-p16_8xb256-amp-coslr-300e_in1k.py'

# The cosine schedule of the base ends with training.
train_cfg = dict(max_epochs=800)
