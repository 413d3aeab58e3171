# What every evaluation shares: the pretrained encoder, a stock-layout ViT of the preset's
# shape (SAIMViT: mmpretrain's VisionTransformer, whose Pretrained init loads every weight of
# the checkpoint's backbone or stops), normalized as in pretraining, read frozen on the center
# crops of the stored images (FrozenEncoder: the last block's cls token and mean patch token,
# after the final norm). The checkpoint is left empty here: each evaluation config says how to
# give it (tools/analysis/representation_benchmark.py gives it to every empty one with
# --cfg-options).
_base_ = ['./imagenette.py', '../../../_base_/imagenet_normalization.py']

pretrained_encoder = dict(
    type='SAIMViT',
    arch=_base_.vit.arch,
    img_size=_base_.crop_size,
    patch_size=_base_.vit.patch_size,
    init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.'))
frozen_encoder = dict(
    type='FrozenEncoder',
    backbone=dict(pretrained_encoder, out_type='raw', final_norm=True),
    data_preprocessor=dict(
        type='BatchCropClsDataPreprocessor',
        **_base_.normalization,
        batch_crop=dict(size=_base_.crop_size)))
