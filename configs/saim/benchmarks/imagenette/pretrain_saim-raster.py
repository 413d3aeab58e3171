# Row "SAIM, raster": SAIM in raster order, otherwise ./pretrain_saim.py (the paper's Table 3,
# order comparison).
_base_ = ['./pretrain_saim.py']

model = dict(order='raster')
