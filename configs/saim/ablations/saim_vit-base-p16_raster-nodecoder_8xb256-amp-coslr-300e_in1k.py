# Ablation (the paper's Table 3, docs/algorithm.md): raster order, no query stream (ViT-iGPT: the encoder output at step t predicts patch t + 1), no Gaussian; paper fine-tune top-1 82.70.
_base_ = '../saim_vit-base-p16_8xb256-amp-coslr-300e_in1k.py'

model = dict(order='raster', neck=None, head=dict(blur=None))
