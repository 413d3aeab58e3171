# Ablation (the paper's Table 3, docs/algorithm.md): raster order, separate 12-block query stream, no Gaussian; paper 82.76.
_base_ = '../saim_vit-base-p16_8xb256-amp-coslr-300e_in1k.py'

model = dict(order='raster', head=dict(blur=None))
