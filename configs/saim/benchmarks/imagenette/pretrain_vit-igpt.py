# Row "ViT-iGPT": raster order and no query stream, the encoder output at step t predicts patch
# t + 1; otherwise ./pretrain_saim-raster.py (so it differs from raster SAIM by the query
# stream only, keeping the Gaussian (9, 1) target).
_base_ = ['./pretrain_saim-raster.py']

model = dict(neck=None)
