# Ablation (the paper's Table 3, docs/algorithm.md): stochastic order, separate 12-block query stream, no Gaussian; paper 83.40.
_base_ = '../saim_vit-base-p16_8xb256-amp-coslr-300e_in1k.py'

model = dict(head=dict(blur=None))
