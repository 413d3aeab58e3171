# Ablation (the paper's Table 3, docs/algorithm.md): stochastic order, query stream sharing the encoder's weights (two-stream, XLNet-style), no Gaussian; paper 83.02.
_base_ = '../saim_vit-base-p16_8xb256-amp-coslr-300e_in1k.py'

model = dict(neck=dict(share_encoder_blocks=True), head=dict(blur=None))
