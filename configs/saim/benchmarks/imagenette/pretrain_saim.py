# Row "SAIM, stochastic": SAIM (the model base: stochastic order, Gaussian (9, 1) target) on the
# preset's ViT, with a query stream as deep and as wide as the encoder. Pretrain it with
#   python tools/train.py configs/saim/benchmarks/imagenette/pretrain_saim.py
# (CPU preset; _base_/preset.py says how to choose another), evaluate its checkpoint with
# the eval_*.py configs; tools/analysis/representation_benchmark.py runs the whole table.
_base_ = ['./_base_/pretrain.py', '../../_base_/models/saim_vit-base-p16.py']

model = dict(
    data_preprocessor=dict(batch_crop=_base_.pretrain_crop),
    backbone=dict(
        arch=dict(_base_.vit.arch, _delete_=True),
        img_size=_base_.crop_size,
        patch_size=_base_.vit.patch_size),
    neck=dict(depth=_base_.vit.arch.num_layers))
