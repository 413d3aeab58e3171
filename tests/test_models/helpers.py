"""Tiny SAIM models for tests."""
import copy

from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS


def tiny_saim_cfg(embed_dims=32, depth=4, num_heads=2, img_size=32, patch_size=8,
                  decoder_depth=None, **model_kwargs):
    decoder_depth = depth if decoder_depth is None else decoder_depth
    cfg = dict(
        type='SAIM',
        backbone=dict(
            type='SAIMViT',
            arch=dict(embed_dims=embed_dims, num_layers=depth, num_heads=num_heads,
                      feedforward_channels=4 * embed_dims),
            img_size=img_size, patch_size=patch_size),
        neck=dict(type='SAIMQueryDecoder', embed_dims=embed_dims, num_heads=num_heads,
                  depth=decoder_depth, encoder_depth=depth),
        head=dict(type='SAIMPixelHead', embed_dims=embed_dims, patch_size=patch_size,
                  blur=dict(kernel_size=3, sigma=1.)))
    cfg.update(model_kwargs)
    return cfg


def build_tiny_saim(**kwargs):
    with DefaultScope.overwrite_default_scope('mmpretrain'):  # also in module fixtures
        model = MODELS.build(tiny_saim_cfg(**kwargs))
    model.init_weights()
    return model


def shrink_to_tiny(model_cfg, embed_dims=32, num_heads=2, img_size=32, patch_size=8):
    """A config's model with the same structure (depths, order, blur) but a tiny width."""
    cfg = copy.deepcopy(model_cfg)
    depth = 12
    cfg.backbone.update(arch=dict(embed_dims=embed_dims, num_layers=depth, num_heads=num_heads,
                                  feedforward_channels=4 * embed_dims),
                        img_size=img_size, patch_size=patch_size)
    if cfg.get('neck') is not None:
        cfg.neck.update(embed_dims=embed_dims, num_heads=num_heads, encoder_depth=depth)
    cfg.head.update(embed_dims=embed_dims, patch_size=patch_size)
    cfg.data_preprocessor.patch_size = patch_size
    return cfg
