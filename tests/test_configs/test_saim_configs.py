"""Every SAIM pretraining config builds; the ablations take a loss step at a tiny width."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS

from tests.helpers.models import build_tiny_saim, shrink_to_tiny
from tests.helpers.tool_runs import ROOT

ABLATIONS = sorted(glob.glob(osp.join(ROOT, 'configs/saim/ablations/*.py')))
LIGHT = [path for path in ABLATIONS if '_light-' in path]  # light query streams (not Table 3)
MAIN = sorted(glob.glob(osp.join(ROOT, 'configs/saim/saim_vit-*_in1k.py')))


def test_the_ablation_configs_are_the_rows_of_the_papers_table():
    """One config per row of the paper's Table 3 (ROWS), and no other but the light query
    streams (LIGHT_ROWS)."""
    tags = {osp.basename(path).split('_')[2] for path in ABLATIONS}
    assert tags == set(ROWS) | set(LIGHT_ROWS)


@pytest.mark.parametrize('path', ABLATIONS, ids=osp.basename)
def test_ablation_takes_a_loss_step(path):
    cfg = Config.fromfile(path)
    assert cfg.train_cfg.max_epochs == 300
    assert cfg.model.backbone.arch == 'b' and cfg.model.backbone.patch_size == 16
    model = MODELS.build(shrink_to_tiny(cfg.model))
    model.init_weights()
    batch = dict(inputs=torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8),
                 data_samples=None)
    data = model.data_preprocessor(batch, training=True)
    loss = model(**data, mode='loss')['loss']
    assert torch.isfinite(loss)
    loss.backward()
    assert model.backbone.layers[0].attn.qkv.weight.grad.abs().sum() > 0


ROWS = {  # file tag -> (order, decoder, depth, blur)
    'raster-nodecoder': ('raster', None, 0, None),
    'raster-dec12': ('raster', 'separate', 12, None),
    'stochastic-dec12': ('stochastic', 'separate', 12, None),
    'stochastic-shared12': ('stochastic', 'shared', 12, None),
    'stochastic-dec6': ('stochastic', 'separate', 6, None),
    'stochastic-dec1': ('stochastic', 'separate', 1, None),
    'stochastic-dec12-gauss-k3s1': ('stochastic', 'separate', 12, (3, 1.0)),
    'stochastic-dec12-gauss-k9s1': ('stochastic', 'separate', 12, (9, 1.0)),
    'stochastic-dec12-gauss-k9s1.5': ('stochastic', 'separate', 12, (9, 1.5)),
}


def build_on_meta(model_cfg):
    """The full-size model with its tensors on the meta device: its layout, no memory."""
    with torch.device('meta'):
        return MODELS.build(model_cfg)


@pytest.mark.parametrize('tag', list(ROWS))
def test_ablation_row_settings(tag):
    cfg = Config.fromfile(
        osp.join(ROOT, f'configs/saim/ablations/saim_vit-base-p16_{tag}_8xb256-amp-coslr-'
                 '300e_in1k.py')).model
    model = build_on_meta(cfg)
    order, decoder, depth, blur = ROWS[tag]
    assert model.order == order
    if decoder is None:
        assert model.neck is None
    else:
        assert len(model.neck.blocks) == depth and model.neck.attach_to[-1] == 11
        assert model.neck.share_encoder_blocks == (decoder == 'shared')
    actual_blur = None if cfg.head.blur is None else (cfg.head.blur.kernel_size,
                                                      cfg.head.blur.sigma)
    assert actual_blur == blur and model.head.blur_kernel.shape[-1] == (blur or (1, ))[0]


LIGHT_ROWS = {  # file tag -> (query stream width, heads, encoder blocks read, 0-based)
    'light-dec12-w384': (384, 6, list(range(12))),
    'light-dec4': (768, 12, [2, 5, 8, 11]),
    'light-dec4-w384': (384, 6, [2, 5, 8, 11]),
}


@pytest.mark.parametrize('tag', list(LIGHT_ROWS))
def test_light_stream_settings(tag):
    path = osp.join(ROOT, f'configs/saim/ablations/saim_vit-base-p16_{tag}_8xb256-amp-'
                    'coslr-300e_in1k.py')
    assert path in LIGHT
    model = MODELS.build(Config.fromfile(path).model)
    width, heads, attach_to = LIGHT_ROWS[tag]
    assert (model.neck.embed_dims, model.neck.layers[0].attn.num_heads) == (width, heads)
    assert model.neck.attach_to == attach_to and model.head.norm.normalized_shape == (width, )
    assert (model.neck.context_projs is None) == (width == 768)
    assert model.order == 'stochastic' and model.head.blur_kernel.shape[-1] == 9


@pytest.mark.parametrize('path', MAIN, ids=osp.basename)
def test_main_configs_build(path):
    cfg = Config.fromfile(path)
    assert cfg.optim_wrapper.optimizer.betas == (0.9, 0.95)
    assert cfg.auto_scale_lr.base_batch_size == 2048
    full_size = build_on_meta(cfg.model)  # one query block per encoder block
    assert len(full_size.neck.layers) == dict(b=12, l=24)[cfg.model.backbone.arch]
    model = MODELS.build(dict(shrink_to_tiny(cfg.model), compile_blocks=cfg.model.compile_blocks,
                              checkpoint_every=cfg.model.get('checkpoint_every', 0)))
    # The fastest exact setting (docs/benchmark.md): compiled blocks and fused AdamW.
    blocks = [*model.backbone.layers, *model.neck.layers]
    assert all(block._compiled_call_impl is not None for block in blocks)
    assert not any(block.grad_checkpointing for block in blocks)
    assert not model.backbone.residual_in_autocast_dtype
    assert cfg.optim_wrapper.optimizer.fused


def test_fused_adamw_of_the_configs_steps_as_the_unfused_one():
    """The configs' optimizer (parameter groups included), fused and not, on CPU.

    Except the key bias (the middle third of ``qkv.bias``): softmax ignores it, so its
    gradient is rounding noise, which Adam scales up differently in any two implementations.
    """
    cfg = Config.fromfile(MAIN[0]).optim_wrapper
    cfg.update(type='OptimWrapper')  # AmpOptimWrapper needs CUDA
    cfg.pop('loss_scale')
    models = []
    for fused in (True, False):
        torch.manual_seed(0)
        model = build_tiny_saim()
        cfg.optimizer.fused = fused
        optim_wrapper = build_optim_wrapper(model, cfg)
        for step in range(3):
            torch.manual_seed(step)
            images = torch.randn(2, 3, 32, 32)
            optim_wrapper.update_params(model.loss(images, [])['loss'])
        models.append({name: torch.cat(value.chunk(3)[::2]) if name.endswith('qkv.bias')
                       else value for name, value in model.state_dict().items()})
    for name, value in models[1].items():
        torch.testing.assert_close(models[0][name], value, rtol=1e-5, atol=1e-6, msg=name)
    assert not torch.equal(models[0]['neck.layers.0.attn.qkv.weight'],
                           build_tiny_saim().state_dict()['neck.layers.0.attn.qkv.weight'])
