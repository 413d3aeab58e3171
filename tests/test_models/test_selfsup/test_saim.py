import pytest
import torch

from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from mmsaim.models.utils import ORDER_NAMES, draw_permutation, patchify
from tests.helpers.models import build_tiny_saim, make_layout, tiny_saim_cfg

VARIANTS = {
    'separate decoder': dict(),
    'shared decoder': dict(neck=dict(type='SAIMQueryDecoder', depth=4,
                                     share_encoder_blocks=True)),
    'shallow decoder': dict(decoder_depth=2),
    'no decoder (ViT-iGPT)': dict(neck=None),
    'raster order': dict(order='raster'),
}


def _loss_and_grads(model, images, order, explicit):
    model.zero_grad()
    layout = make_layout(order, explicit_masks=explicit)
    loss = model.head.loss(model.predict_features(images, layout), images)
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    return loss.detach(), grads


@pytest.mark.parametrize('variant', list(VARIANTS))
def test_causal_path_equals_explicit_masks(variant):
    torch.manual_seed(0)
    model = build_tiny_saim(**VARIANTS[variant])
    images = torch.randn(3, 3, 32, 32)
    order = draw_permutation(model.order, 3, (4, 4))
    loss_c, grads_c = _loss_and_grads(model, images, order, explicit=False)
    loss_e, grads_e = _loss_and_grads(model, images, order, explicit=True)
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
    model = build_tiny_saim(patch_size=8, img_size=16, **kwargs)  # 4 patches
    model.head.blur = None  # the blur would mix neighbouring patches into the target only
    images = torch.randn(1, 3, 16, 16, requires_grad=True)
    order = torch.tensor([[2, 0, 3, 1]])
    rank = order.argsort(1)[0]
    feats = model.predict_features(images, make_layout(order, explicit))
    pred = model.head.predict(feats)
    for i in range(4):
        (grad, ) = torch.autograd.grad(pred[0, i].sum(), images, retain_graph=True)
        influence = patchify(grad, 8)[0].abs().sum(-1)
        for j in range(4):
            if rank[j] < rank[i]:
                assert influence[j] > 0, (i, j)
            else:
                assert influence[j] == 0, (i, j)


def test_loss_step_reduces_loss_on_fixed_batch():
    torch.manual_seed(0)
    model = build_tiny_saim()
    images = torch.randn(4, 3, 32, 32)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    order = make_layout(draw_permutation('stochastic', 4, (4, 4)))
    losses = []
    for _ in range(30):
        loss = model.head.loss(model.predict_features(images, order), images)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.75 * losses[0], losses


def test_orders_are_drawn_per_step():
    model = build_tiny_saim()
    images = torch.randn(2, 3, 32, 32)
    torch.manual_seed(0)
    first = model.draw_layout(images).permutation
    second = model.draw_layout(images).permutation
    assert not torch.equal(first, second)


def test_shared_decoder_owns_no_weights():
    model = build_tiny_saim(**VARIANTS['shared decoder'])
    assert not any(k.startswith('neck.') for k in model.state_dict())


def test_reconstruct_outputs():
    model = build_tiny_saim(img_size=32, patch_size=8)
    out = model.reconstruct(torch.randn(2, 3, 32, 48))
    assert out['prediction'].shape == out['target'].shape == (2, 24, 8 * 8 * 3)
    assert out['smoothed'].shape == (2, 3, 32, 48) and out['permutation'].shape == (2, 24)


def test_unknown_order_in_config():
    with pytest.raises(ValueError, match='order'):
        build_tiny_saim(order='zigzag')


def test_decoder_reading_missing_encoder_block():
    cfg = tiny_saim_cfg()
    cfg['neck'].update(encoder_depth=8, depth=8)
    with pytest.raises(ValueError, match='encoder_depth'):
        MODELS.build(cfg)


def test_query_stream_is_as_deep_as_the_encoder_unless_told():
    cfg = tiny_saim_cfg(depth=4)
    cfg['neck'] = dict(type='SAIMQueryDecoder')  # no depth: one query block per encoder block
    model = MODELS.build(cfg)
    assert len(model.neck.layers) == 4 and model.neck.attach_to == [0, 1, 2, 3]
    images = torch.randn(2, 3, 32, 32)
    assert model.predict_features(images, model.draw_layout(images)).shape == (2, 16, 32)
    cfg['neck'] = dict(type='SAIMQueryDecoder', attach_to=[1, 3])  # as many as it reads
    assert MODELS.build(cfg).neck.attach_to == [1, 3]


def test_neck_head_and_preprocessor_take_the_backbone_settings():
    model = build_tiny_saim(embed_dims=48, depth=3, num_heads=3, patch_size=4, img_size=16)
    assert model.neck.attach_to == [0, 1, 2]
    assert model.neck.layers[0].attn.num_heads == 3 and model.neck.layers[0].embed_dims == 48
    assert model.head.patch_size == 4 and model.head.norm.normalized_shape == (48, )
    assert model.head.predictor[-1].out_features == 4 * 4 * 3
    assert model.data_preprocessor.patch_size == 4


@pytest.mark.parametrize('part,setting', [('head', dict(patch_size=16)),
                                          ('neck', dict(encoder_depth=12)),
                                          ('data_preprocessor', dict(patch_size=16))])
def test_inconsistent_settings_fail_at_build_naming_both(part, setting):
    cfg = tiny_saim_cfg(patch_size=8, depth=4)
    cfg[part] = dict(cfg.get(part) or dict(type='SAIMDataPreprocessor'), **setting)
    key, value = next(iter(setting.items()))
    backbone_value = {'patch_size': 8, 'encoder_depth': 4}[key]
    with pytest.raises(ValueError, match=rf'{part}.{key}={value} but the backbone gives '
                       rf'{backbone_value}'):
        MODELS.build(cfg)


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
        features = model.predict_features(images, make_layout(permutation))
        loss = model.head.loss(features, images)
        patch_losses = model.head.patch_losses(features, images)
    torch.testing.assert_close(step_losses.mean(), loss, rtol=1e-6, atol=0)
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
