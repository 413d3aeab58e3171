# SAIM ViT-B/16: stochastic order, 12-block query stream, Gaussian (9, 1) target.
# SAIM builds the query stream and the head from the backbone (its width, heads, depth and
# patch size); set them on the backbone only.
_base_ = ['../imagenet_normalization.py']

model = dict(
    type='SAIM',
    order='stochastic',
    explicit_masks=False,
    data_preprocessor=dict(type='SelfSupDataPreprocessor', **_base_.normalization),
    # out_type: what the encoder alone returns (extract_feat, mmpretrain's FeatureExtractor):
    # the last block's patch tokens after the final norm as a (D, h, w) map; SAIM's cls
    # token attends only to itself while pretraining. The pretraining pass ignores it.
    backbone=dict(type='SAIMViT', arch='b', img_size=224, patch_size=16, out_type='featmap'),
    neck=dict(type='SAIMQueryDecoder', share_encoder_blocks=False),
    head=dict(
        type='SAIMPixelHead',
        norm_pix=True,
        blur=dict(kernel_size=9, sigma=1.0),
        loss=dict(type='PixelReconstructionLoss', criterion='L2')))
