# Light query stream (the paper's future work), narrower and shallower: 4 blocks 384 wide
# (6 heads of 64) reading encoder blocks 3, 6, 9 and 12 (1-based), each projecting them from
# 768 to 384, with 384-wide sin-cos queries. Otherwise the 300e recipe (stochastic order,
# Gaussian (9, 1)). tools/analysis/benchmark.py's light variant is this stream for ViT-B.
_base_ = '../saim_vit-base-p16_8xb256-amp-coslr-300e_in1k.py'

model = dict(neck=dict(embed_dims=384, num_heads=6, depth=4))
