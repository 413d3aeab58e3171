# ViT-L/16 (24 blocks, width 1024, 16 heads) with a 24-block query stream.
_base_ = './saim_vit-base-p16_8xb256-amp-coslr-800e_in1k.py'

model = dict(backbone=dict(arch='l'))
