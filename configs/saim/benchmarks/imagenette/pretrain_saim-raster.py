# Row "SAIM, raster": SAIM in raster order, otherwise ./pretrain_saim.py (SAIM.md Table 3's
# order comparison).
_base_ = ['./pretrain_saim.py']

model = dict(order='raster')
