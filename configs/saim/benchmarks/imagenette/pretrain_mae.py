# Row "MAE": mmpretrain's MAE (mask ratio 0.75, normalized-pixel L2 loss) on the preset's ViT,
# its ViT-B decoder (512 wide, 8 blocks for a 768 x 12 encoder) scaled to the encoder: 2/3 of
# its width and depth, 32-wide heads. Same data, crops and schedule as the SAIM rows.
_base_ = [
    './_base_/pretrain.py', '../../_base_/imagenet_normalization.py',
    'mmpretrain::_base_/models/mae_vit-base-p16.py'
]

model = dict(
    data_preprocessor=dict(
        type='BatchCropSelfSupDataPreprocessor',
        **_base_.normalization,
        batch_crop=_base_.pretrain_crop),
    backbone=dict(
        arch=dict(_base_.vit.arch, _delete_=True),
        img_size=_base_.crop_size,
        patch_size=_base_.vit.patch_size),
    neck=dict(
        num_patches=(_base_.crop_size // _base_.vit.patch_size)**2,
        patch_size=_base_.vit.patch_size,
        embed_dim=_base_.vit.arch.embed_dims,
        decoder_embed_dim=_base_.vit.arch.embed_dims * 2 // 3,
        decoder_depth=_base_.vit.arch.num_layers * 2 // 3,
        decoder_num_heads=max(1, _base_.vit.arch.embed_dims * 2 // 3 // 32)),
    head=dict(patch_size=_base_.vit.patch_size))
