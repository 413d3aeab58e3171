# Ablation (the paper's Table 3, docs/algorithm.md): stochastic order, separate 6-block query stream (block k reads encoder block 2k), no Gaussian; paper 83.01.
_base_ = '../saim_vit-base-p16_8xb256-amp-coslr-300e_in1k.py'

model = dict(neck=dict(depth=6), head=dict(blur=None))
