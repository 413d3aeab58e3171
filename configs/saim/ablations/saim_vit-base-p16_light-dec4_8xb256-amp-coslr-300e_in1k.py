# Light query stream (the paper's future work), shallower: 4 full-width blocks reading encoder
# blocks 3, 6, 9 and 12 (1-based, evenly spaced). Otherwise the 300e recipe (stochastic order,
# Gaussian (9, 1)); compare with its full stream.
_base_ = '../saim_vit-base-p16_8xb256-amp-coslr-300e_in1k.py'

model = dict(neck=dict(depth=4))
