"""Every SAIM pretraining config builds; the ablations take a loss step at a tiny width."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

from tests.helpers.models import shrink_to_tiny
from tests.helpers.tool_runs import ROOT

ABLATIONS = sorted(glob.glob(osp.join(ROOT, 'configs/saim/ablations/*.py')))
MAIN = sorted(glob.glob(osp.join(ROOT, 'configs/saim/saim_vit-*_in1k.py')))


def test_one_config_per_ablation_row():
    assert len(ABLATIONS) == 9  # SAIM.md, section 3


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


@pytest.mark.parametrize('tag', list(ROWS))
def test_ablation_row_settings(tag):
    cfg = Config.fromfile(
        osp.join(ROOT, f'configs/saim/ablations/saim_vit-base-p16_{tag}_8xb256-amp-coslr-'
                 '300e_in1k.py')).model
    order, decoder, depth, blur = ROWS[tag]
    assert cfg.order == order
    if decoder is None:
        assert cfg.neck is None
    else:
        assert cfg.neck.depth == depth
        assert cfg.neck.share_encoder_blocks == (decoder == 'shared')
    actual_blur = None if cfg.head.blur is None else (cfg.head.blur.kernel_size,
                                                      cfg.head.blur.sigma)
    assert actual_blur == blur


@pytest.mark.parametrize('path', MAIN, ids=osp.basename)
def test_main_configs_build(path):
    cfg = Config.fromfile(path)
    assert cfg.optim_wrapper.optimizer.betas == (0.9, 0.95)
    assert cfg.auto_scale_lr.base_batch_size == 2048
    model = MODELS.build(cfg.model)
    depth = len(model.backbone.layers)
    assert depth in (12, 24) and model.neck.attach_to == list(range(depth))
