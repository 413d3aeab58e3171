# Row "SAIM, light query stream" (not in the paper): ./pretrain_saim.py with a query stream
# half as wide as the encoder (half its heads) and a third as deep, reading evenly spaced
# encoder blocks. tools/analysis/benchmark.py's light variants follow the same rule.
_base_ = ['./pretrain_saim.py']

model = dict(
    neck=dict(
        embed_dims=_base_.vit.arch.embed_dims // 2,
        num_heads=max(1, _base_.vit.arch.num_heads // 2),
        depth=max(1, _base_.vit.arch.num_layers // 3)))
