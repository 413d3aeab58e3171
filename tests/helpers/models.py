"""Tiny SAIM models for tests."""
import copy

import torch
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

from mmsaim.models.utils import gaussian_kernel2d


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
        neck=dict(type='SAIMQueryDecoder', depth=decoder_depth),
        head=dict(type='SAIMPixelHead', blur=dict(kernel_size=3, sigma=1.)))
    cfg.update(model_kwargs)
    return cfg


def build_tiny_saim(**kwargs):
    with DefaultScope.overwrite_default_scope('mmpretrain'):  # also in module fixtures
        model = MODELS.build(tiny_saim_cfg(**kwargs))
    model.init_weights()
    return model


def build_tiny_pixel_saim(**kwargs):
    """A tiny SAIM trained (or not) on pixel targets, ``head.norm_pix=False``: completion's."""
    return build_tiny_saim(
        head=dict(type='SAIMPixelHead', norm_pix=False, blur=dict(kernel_size=3, sigma=1.)),
        **kwargs)


def shrink_to_tiny(model_cfg, embed_dims=32, num_heads=2, img_size=32, patch_size=8):
    """A config's model with the same structure (depths, order, blur) but a tiny width."""
    cfg = copy.deepcopy(model_cfg)
    depth = 12
    cfg.backbone.update(arch=dict(embed_dims=embed_dims, num_layers=depth, num_heads=num_heads,
                                  feedforward_channels=4 * embed_dims),
                        img_size=img_size, patch_size=patch_size)
    return cfg  # SAIM gives the neck, head and data preprocessor the backbone's settings


D, HEADS, DEPTH, PATCH, IMG, BLUR = 32, 2, 2, 8, 32, 3  # the tiny SAIM of tiny_saim_cfg


def release_state_dict(k_bias=True, seed=0):
    """Random weights with the release's names and shapes (timm-style, separate q, k, v).

    The patch part of ``pos_embed`` is random too; its cls slot is zero, as in the release,
    whose fixed sin-cos embedding has a zero cls row.
    """
    g = torch.Generator().manual_seed(seed)

    def t(*shape):
        return torch.randn(*shape, generator=g) * 0.3

    pos_embed = t(1, 1 + (IMG // PATCH)**2, D)
    pos_embed[:, 0] = 0
    sd = {'cls_token': t(1, 1, D), 'pos_embed': pos_embed,
          'patch_embed.proj.weight': t(D, 3, PATCH, PATCH), 'patch_embed.proj.bias': t(D),
          'norm.weight': 1 + t(D), 'norm.bias': t(D),
          'prediction_head.fc1.weight': t(4 * D, D), 'prediction_head.fc1.bias': t(4 * D),
          'prediction_head.fc2.weight': t(PATCH**2 * 3, 4 * D),
          'prediction_head.fc2.bias': t(PATCH**2 * 3),
          'gaussian_blur.weight': gaussian_kernel2d(BLUR, 1.).expand(3, 1, BLUR, BLUR).clone()}
    for stream in ('blocks', 'query_blocks'):
        for i in range(DEPTH):
            p = f'{stream}.{i}.'
            for name in ('norm1', 'norm2'):
                sd[p + name + '.weight'], sd[p + name + '.bias'] = 1 + t(D), t(D)
            for name in ('q', 'k', 'v'):
                sd[p + f'attn.{name}.weight'] = t(D, D)
                if name != 'k' or k_bias:
                    sd[p + f'attn.{name}.bias'] = t(D)
            sd[p + 'attn.proj.weight'], sd[p + 'attn.proj.bias'] = t(D, D), t(D)
            sd[p + 'mlp.fc1.weight'], sd[p + 'mlp.fc1.bias'] = t(4 * D, D), t(4 * D)
            sd[p + 'mlp.fc2.weight'], sd[p + 'mlp.fc2.bias'] = t(D, 4 * D), t(D)
    return sd
