# Small benchmark, pretraining (c): mmpretrain's MAE (mask ratio 0.75, 4-block 128-wide
# decoder, normalized-pixel loss) with the same encoder arch, images, epochs and optimizer as (a).
_base_ = ['./saim_vit-tiny-p8_1xb32-coslr-60e_shared-64px.py']

model = dict(
    _delete_=True,
    type='MAE',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='MAEViT',
        arch=dict(embed_dims=192, num_layers=6, num_heads=3, feedforward_channels=768),
        img_size=64,
        patch_size=8,
        mask_ratio=0.75),
    neck=dict(
        type='MAEPretrainDecoder',
        num_patches=64,
        patch_size=8,
        in_chans=3,
        embed_dim=192,
        decoder_embed_dim=128,
        decoder_depth=4,
        decoder_num_heads=4,
        mlp_ratio=4.),
    head=dict(
        type='MAEPretrainHead',
        norm_pix=True,
        patch_size=8,
        loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    init_cfg=[
        dict(type='Xavier', layer='Linear', distribution='uniform'),
        dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
    ])
custom_hooks = []
