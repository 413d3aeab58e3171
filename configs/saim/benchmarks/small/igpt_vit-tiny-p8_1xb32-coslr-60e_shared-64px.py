# Small benchmark, pretraining (b): the ViT-iGPT baseline (raster order, no query stream, no
# Gaussian: SAIM.md Table 3, first row) with everything else as (a).
_base_ = ['./saim_vit-tiny-p8_1xb32-coslr-60e_shared-64px.py']

model = dict(order='raster', neck=None, head=dict(blur=None))
