import copy

import pytest
import torch

from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from mmsaim.models.utils import ORDER_NAMES, draw_permutation, normalize_patches, patchify
from tests.helpers.models import build_tiny_saim, tiny_saim_cfg, twin

VARIANTS = {
    'separate decoder': dict(),
    'shared decoder': dict(neck=dict(type='SAIMQueryDecoder', depth=4,
                                     share_encoder_blocks=True)),
    'shallow decoder': dict(decoder_depth=2),
    'narrow decoder': dict(neck=dict(type='SAIMQueryDecoder', embed_dims=16, num_heads=1,
                                     depth=2)),
    'no decoder (ViT-iGPT)': dict(neck=None),
    'raster order': dict(order='raster'),
}


def _loss_and_grads(model, images, permutation):
    model.zero_grad()
    loss = model.predict_in_order(images, permutation)['patch_losses'].mean()
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    return loss.detach(), grads


@pytest.mark.parametrize('variant', list(VARIANTS))
def test_causal_path_equals_explicit_masks(variant):
    """Causal attention on the permuted sequences (the default) and the paper's masks in
    patch order (explicit_masks=True): the same loss and gradients."""
    torch.manual_seed(0)
    causal = build_tiny_saim(**VARIANTS[variant])
    explicit = twin(causal, explicit_masks=True, **VARIANTS[variant])
    images = torch.randn(3, 3, 32, 32)
    permutation = draw_permutation(causal.order, 3, (4, 4))
    loss_c, grads_c = _loss_and_grads(causal, images, permutation)
    loss_e, grads_e = _loss_and_grads(explicit, images, permutation)
    torch.testing.assert_close(loss_c, loss_e, rtol=1e-5, atol=0)
    assert grads_c.keys() == grads_e.keys() and len(grads_c) > 10
    for name in grads_c:
        torch.testing.assert_close(grads_c[name], grads_e[name], rtol=1e-5, atol=1e-6,
                                   msg=lambda m: f'{name}: {m}')


@pytest.mark.parametrize('explicit', [False, True])
@pytest.mark.parametrize('neck', ['decoder', None])
def test_each_patch_sees_only_earlier_patches(explicit, neck):
    """d prediction_i / d patch_j is zero unless j comes strictly before i in the order."""
    torch.manual_seed(0)
    kwargs = {} if neck else dict(neck=None)
    model = build_tiny_saim(patch_size=8, img_size=16, explicit_masks=explicit, **kwargs)
    images = torch.randn(1, 3, 16, 16, requires_grad=True)
    order = torch.tensor([[2, 0, 3, 1]])
    rank = order.argsort(1)[0]
    pred = model.predict_in_order(images, order)['prediction']
    for i in range(4):
        (grad, ) = torch.autograd.grad(pred[0, i].sum(), images, retain_graph=True)
        influence = patchify(grad, 8)[0].abs().sum(-1)
        for j in range(4):
            if rank[j] < rank[i]:
                assert influence[j] > 0, (i, j)
            else:
                assert influence[j] == 0, (i, j)


def test_the_loss_is_the_mean_squared_error_to_the_blurred_normalized_patches():
    """predict_in_order's parts, on images that are not square: the target is the blurred
    image, patchified and normalized per patch; each patch's loss is the MSE of its values;
    the training loss is their mean."""
    torch.manual_seed(0)
    model = build_tiny_saim()
    images = torch.randn(2, 3, 32, 48)
    permutation = draw_permutation('stochastic', 2, (4, 6))
    out = model.predict_in_order(images, permutation)
    kernel = model.head.blur_kernel
    blurred = torch.nn.functional.conv2d(images, kernel, padding=1, groups=3)
    torch.testing.assert_close(out['target'], normalize_patches(patchify(blurred, 8)))
    assert out['prediction'].shape == out['target'].shape == (2, 24, 8 * 8 * 3)
    torch.testing.assert_close(out['patch_losses'],
                               ((out['prediction'] - out['target'])**2).mean(-1))
    torch.manual_seed(1)
    expected = model.predict_in_order(images, draw_permutation('stochastic', 2, (4, 6)))
    torch.manual_seed(1)
    torch.testing.assert_close(model.loss(images, None)['loss'],
                               expected['patch_losses'].mean())


def test_loss_step_reduces_loss_on_fixed_batch():
    torch.manual_seed(0)
    model = build_tiny_saim()
    images = torch.randn(4, 3, 32, 32)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    permutation = draw_permutation('stochastic', 4, (4, 4))
    losses = []
    for _ in range(30):
        loss = model.predict_in_order(images, permutation)['patch_losses'].mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.75 * losses[0], losses


def test_orders_are_drawn_per_step_and_per_image():
    model = build_tiny_saim()
    images = torch.randn(2, 3, 32, 32)
    torch.manual_seed(0)
    first, second = model.draw_order(images), model.draw_order(images)
    assert not torch.equal(first, second) and not torch.equal(first[0], first[1])
    model.order = 'raster'
    assert model.draw_order(images).tolist() == [list(range(16))] * 2


def test_shared_decoder_owns_no_weights():
    model = build_tiny_saim(**VARIANTS['shared decoder'])
    assert not any(k.startswith('neck.') for k in model.state_dict())
    assert model.neck.blocks == [model.backbone.layers[m] for m in (0, 1, 2, 3)]
    copied = copy.deepcopy(model)  # as mmengine's EMA and model wrappers copy it
    assert all(a is b for a, b in zip(copied.neck.blocks, copied.backbone.layers))


def test_unknown_order_in_config():
    with pytest.raises(ValueError, match='order'):
        build_tiny_saim(order='zigzag')


@pytest.mark.parametrize('neck, message', [
    (dict(attach_to=[1, 4]), r'attach_to=\[1, 4\] must name 2 encoder blocks in \[0, 4\)'),
    (dict(embed_dims=30, num_heads=4), 'embed_dims=30 is not a multiple of num_heads=4'),
    (dict(embed_dims=16, share_encoder_blocks=True), 'share_encoder_blocks=True runs the '
     'encoder blocks, of width 32'),
])
def test_a_query_stream_that_cannot_read_the_encoder_is_refused(neck, message):
    cfg = tiny_saim_cfg(depth=4)
    cfg['neck'] = dict(type='SAIMQueryDecoder', **neck)
    with pytest.raises(ValueError, match=message):
        MODELS.build(cfg)


def test_query_stream_is_as_deep_as_the_encoder_unless_told():
    cfg = tiny_saim_cfg(depth=4)
    cfg['neck'] = dict(type='SAIMQueryDecoder')  # no depth: one query block per encoder block
    model = MODELS.build(cfg)
    assert len(model.neck.layers) == 4 and model.neck.attach_to == [0, 1, 2, 3]
    cfg['neck'] = dict(type='SAIMQueryDecoder', attach_to=[1, 3])  # as many as it reads
    assert MODELS.build(cfg).neck.attach_to == [1, 3]
    cfg['neck'] = dict(type='SAIMQueryDecoder', depth=3)  # evenly spaced, the last one last
    assert MODELS.build(cfg).neck.attach_to == [0, 1, 3]


def test_neck_and_head_take_the_backbone_settings():
    model = build_tiny_saim(embed_dims=48, depth=3, num_heads=3, patch_size=4, img_size=16)
    assert model.neck.attach_to == [0, 1, 2]
    assert model.neck.layers[0].attn.num_heads == 3
    assert model.neck.layers[0].ln1.normalized_shape == (48, )
    assert model.head.patch_size == 4 and model.head.norm.normalized_shape == (48, )
    assert model.head.predictor[-1].out_features == 4 * 4 * 3
    narrow = build_tiny_saim(**VARIANTS['narrow decoder'])
    assert narrow.head.norm.normalized_shape == (16, )  # the width of the stream it reads


def test_head_settings_that_differ_from_the_streams_fail_at_build_naming_both():
    cfg = tiny_saim_cfg(patch_size=8)
    cfg['head'] = dict(cfg['head'], patch_size=16)
    with pytest.raises(ValueError, match=r"head settings \{'patch_size': 16\} differ from "
                       r"what the streams give \(\{'patch_size': 8\}\)"):
        MODELS.build(cfg)


def test_images_of_partial_patches_are_refused_naming_the_fix():
    model = build_tiny_saim(patch_size=8)
    with pytest.raises(ValueError, match=r'got 30x32 images and patch_size=8.*for example '
                       r'24x32'):
        model.loss(torch.randn(1, 3, 30, 32), None)


def test_more_than_one_view_is_refused():
    model = build_tiny_saim()
    with pytest.raises(ValueError, match='one view per image, got 2'):
        model([torch.randn(1, 3, 32, 32)] * 2, None, mode='loss')


def _step_losses(model, images, sample_idx=None):
    samples = None if sample_idx is None else [
        DataSample(metainfo=dict(sample_idx=i)) for i in sample_idx]
    predicted = model(images, samples, mode='predict')
    return torch.stack([sample.step_losses for sample in predicted])


@pytest.mark.parametrize('order', ORDER_NAMES)
@pytest.mark.parametrize('variant', ['separate decoder', 'no decoder (ViT-iGPT)'])
def test_step_losses_average_to_the_training_loss(variant, order):
    """predict's losses, step by step, are the training loss of the same permutation, the
    patch of step t being the t-th of that order."""
    torch.manual_seed(0)
    model = build_tiny_saim(**dict(VARIANTS[variant], order=order)).eval()
    images = torch.randn(3, 3, 32, 32)
    step_losses = _step_losses(model, images, sample_idx=[4, 0, 11])
    assert step_losses.shape == (3, 16)
    permutation = draw_permutation(order, 3, (4, 4), seeds=[4, 0, 11])
    with torch.no_grad():
        patch_losses = model.predict_in_order(images, permutation)['patch_losses']
    torch.testing.assert_close(step_losses.mean(), patch_losses.mean(), rtol=1e-6, atol=0)
    torch.testing.assert_close(step_losses, patch_losses.gather(1, permutation))
    if order == 'raster':
        torch.testing.assert_close(step_losses, patch_losses)


def test_predict_uses_the_order_of_the_model():
    """The same images in raster, center-out and stochastic order: other steps, other
    losses; the stochastic order of an image is fixed by its index."""
    torch.manual_seed(0)
    model = build_tiny_saim().eval()
    images = torch.randn(2, 3, 32, 32)
    losses = {}
    for order in ORDER_NAMES:
        model.order = order
        losses[order] = _step_losses(model, images, sample_idx=[5, 6])
    assert not torch.allclose(losses['raster'], losses['center-out'])
    assert not torch.allclose(losses['raster'], losses['stochastic'])
    model.order = 'stochastic'
    torch.testing.assert_close(_step_losses(model, images[1:], sample_idx=[6]),
                               losses['stochastic'][1:])  # in another batch, the same order
    assert not torch.allclose(_step_losses(model, images[1:], sample_idx=[5]),
                              losses['stochastic'][1:])
    with pytest.raises(ValueError, match='sample_idx'):
        _step_losses(model, images)
    model.order = 'raster'
    torch.testing.assert_close(_step_losses(model, images), losses['raster'])
