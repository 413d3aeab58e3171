# Light query stream (the paper's future work), narrower: 12 blocks 384 wide (6 heads of 64),
# each projecting the encoder block it reads from 768 to 384, with 384-wide sin-cos queries.
# Otherwise the 300e recipe (stochastic order, Gaussian (9, 1)); compare with its full stream.
_base_ = '../saim_vit-base-p16_8xb256-amp-coslr-300e_in1k.py'

model = dict(neck=dict(embed_dims=384, num_heads=6))
