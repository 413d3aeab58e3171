# The CPU preset on 48 px crops: 36 patches of 8x8 per image instead of 16 (a raster order of
# 6 rows of 6 instead of 4 of 4), so that the prediction order has room to matter; otherwise
# ./cpu.py (the same encoder, 20 pretraining epochs at batch 128, the same fine-tune).
# Pretraining a row costs about 2.3 times as much as under ./cpu.py (docs/
# representation_benchmark.md gives the estimate per row).
_base_ = ['./cpu.py']
crop_size = 48
