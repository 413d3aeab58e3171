# Ablation (the paper's Table 3, docs/algorithm.md): stochastic order, separate 1-block query stream (reads the last encoder block), no Gaussian; paper 82.76.
_base_ = '../saim_vit-base-p16_8xb256-amp-coslr-300e_in1k.py'

model = dict(neck=dict(depth=1), head=dict(blur=None))
