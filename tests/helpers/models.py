"""Tiny SAIM models for tests."""
import copy

import torch
from mmengine.registry import DefaultScope
from mmpretrain.models import VisionTransformer
from mmpretrain.registry import MODELS

from mmsaim.models.heads import gaussian_kernel2d


def tiny_saim_cfg(embed_dims=32, depth=4, num_heads=2, img_size=32, patch_size=8,
                  decoder_depth=None, backbone_kwargs=None, **model_kwargs):
    decoder_depth = depth if decoder_depth is None else decoder_depth
    cfg = dict(
        type='SAIM',
        backbone=dict(
            type='SAIMViT',
            arch=dict(embed_dims=embed_dims, num_layers=depth, num_heads=num_heads,
                      feedforward_channels=4 * embed_dims),
            img_size=img_size, patch_size=patch_size, **(backbone_kwargs or {})),
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
    """A config's model with the same structure (depths, order, blur) but a tiny width.

    A query stream of its own width gets half the tiny width. The blocks run eagerly:
    compiling them is tested once, in test_saim_block.py.
    """
    cfg = copy.deepcopy(model_cfg)
    depth = VisionTransformer.arch_zoo[cfg.backbone.arch]['num_layers']
    cfg.backbone.update(arch=dict(embed_dims=embed_dims, num_layers=depth, num_heads=num_heads,
                                  feedforward_channels=4 * embed_dims),
                        img_size=img_size, patch_size=patch_size)
    if cfg.get('neck') and 'embed_dims' in cfg.neck:
        cfg.neck.update(embed_dims=embed_dims // 2, num_heads=num_heads)
    cfg.compile_blocks = False
    return cfg  # SAIM builds the neck and head from the backbone


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


def twin(reference, **kwargs):
    """A tiny SAIM built with ``kwargs`` (e.g. speed options) and ``reference``'s weights."""
    model = build_tiny_saim(**kwargs)
    model.load_state_dict(reference.state_dict())
    return model


def step_loss_and_grads(model, images, permutation, autocast_dtype=None):
    """Loss (float64) and every parameter's gradient (float64) of one step on ``images``
    under ``permutation``, optionally under CPU autocast."""
    model.zero_grad(set_to_none=True)
    with torch.autocast('cpu', dtype=autocast_dtype or torch.float32,
                        enabled=autocast_dtype is not None):
        loss = model.predict_in_order(images, permutation)['patch_losses'].mean()
    loss.backward()
    grads = {name: p.grad.double() for name, p in model.named_parameters()
             if p.grad is not None}
    return loss.detach().double(), grads


def assert_same_step(expected, actual, rtol=1e-5, atol=1e-6):
    """Two ``step_loss_and_grads`` results agree: loss and every gradient."""
    (loss_e, grads_e), (loss_a, grads_a) = expected, actual
    torch.testing.assert_close(loss_a, loss_e, rtol=rtol, atol=0)
    assert grads_a.keys() == grads_e.keys() and len(grads_e) > 10
    for name, grad in grads_e.items():
        torch.testing.assert_close(grads_a[name], grad, rtol=rtol, atol=atol,
                                   msg=lambda m: f'{name}: {m}')
