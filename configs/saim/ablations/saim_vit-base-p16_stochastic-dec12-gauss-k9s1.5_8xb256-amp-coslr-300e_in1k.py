# Ablation (the paper's Table 3, docs/algorithm.md): stochastic order, separate 12-block query stream, Gaussian kernel 9, sigma 1.5; paper 83.45.
_base_ = '../saim_vit-base-p16_8xb256-amp-coslr-300e_in1k.py'

model = dict(head=dict(blur=dict(kernel_size=9, sigma=1.5)))
