"""ImageNet fine-tune and linear-probe configs: SAIM checkpoint loading, layer decay, frozen encoder."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from tests.helpers.models import build_tiny_saim
from tests.helpers.tool_runs import ROOT

FINETUNE = osp.join(ROOT, 'configs/saim/benchmarks/vit-base-p16_saim-pre_8xb128-coslr-100e_in1k.py')
LINEAR = osp.join(ROOT, 'configs/saim/benchmarks/vit-base-p16_saim-pre_8xb256-linear-coslr-90e_in1k.py')


@pytest.fixture(scope='module')
def saim_checkpoint(tmp_path_factory):
    """A pretraining checkpoint of a ViT-T/16-shaped SAIM model (all keys: encoder and more)."""
    model = build_tiny_saim(embed_dims=192, depth=12, num_heads=3)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.01)
    path = tmp_path_factory.mktemp('ckpt') / 'saim.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path), model.state_dict()


def tiny_classifier(config, checkpoint):
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(config)
    cfg.model.backbone.update(arch='deit-tiny', img_size=32, patch_size=8)
    cfg.model.backbone.init_cfg.checkpoint = checkpoint
    cfg.model.head.in_channels = 192
    if cfg.model.get('neck'):
        cfg.model.neck.input_features = 192
    model = MODELS.build(cfg.model)
    model.init_weights()
    return cfg, model


@pytest.mark.parametrize('config', [FINETUNE, LINEAR], ids=['finetune', 'linear'])
def test_loads_saim_checkpoint_without_missing_encoder_keys(config, saim_checkpoint):
    path, state = saim_checkpoint
    _, model = tiny_classifier(config, path)
    encoder = {k[len('backbone.'):]: v for k, v in state.items() if k.startswith('backbone.')}
    # Fine-tuning pools the patch tokens through a new LayerNorm (ln2), not in pretraining.
    new = {'ln2.weight', 'ln2.bias'} if config == FINETUNE else set()
    assert set(model.backbone.state_dict()) - set(encoder) == new
    for name, value in model.backbone.state_dict().items():
        if name not in new:
            torch.testing.assert_close(value, encoder[name], rtol=0, atol=0)


def test_recipes():
    finetune, linear = Config.fromfile(FINETUNE), Config.fromfile(LINEAR)
    assert finetune.model.backbone.drop_path_rate == 0.1
    assert finetune.model.backbone.out_type == 'avg_featmap'
    assert not finetune.model.backbone.final_norm
    assert finetune.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.65
    assert finetune.optim_wrapper.optimizer.lr == pytest.approx(2e-3)
    assert finetune.train_cfg.max_epochs == 100
    assert [a.type for a in finetune.model.train_cfg.augments] == ['Mixup', 'CutMix']
    assert linear.model.backbone.frozen_stages == 12 and not linear.model.backbone.final_norm
    assert linear.model.neck.affine is False
    assert linear.optim_wrapper.optimizer.type == 'SGD'
    assert linear.optim_wrapper.optimizer.lr == pytest.approx(0.8)
    assert linear.train_cfg.max_epochs == 90


def test_layer_wise_lr_decay(saim_checkpoint):
    cfg, model = tiny_classifier(FINETUNE, saim_checkpoint[0])
    cfg.optim_wrapper.type = 'OptimWrapper'
    cfg.optim_wrapper.pop('loss_scale')
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    base_lr, rate, num_layers = 2e-3, 0.65, 12
    lr_of = {}
    for group in optim_wrapper.optimizer.param_groups:
        for p in group['params']:
            lr_of[id(p)] = group['lr']
    names = dict(model.named_parameters())
    for i in range(num_layers):  # block i sits at depth i + 1 of num_layers + 2
        expected = base_lr * rate**(num_layers - i)
        assert lr_of[id(names[f'backbone.layers.{i}.attn.qkv.weight'])] == pytest.approx(expected)
    assert lr_of[id(names['backbone.patch_embed.projection.weight'])] == pytest.approx(
        base_lr * rate**(num_layers + 1))
    assert lr_of[id(names['head.fc.weight'])] == pytest.approx(base_lr)


def test_linear_probe_step_leaves_encoder_unchanged(saim_checkpoint):
    cfg, model = tiny_classifier(LINEAR, saim_checkpoint[0])
    cfg.optim_wrapper.type = 'OptimWrapper'
    cfg.optim_wrapper.pop('loss_scale')
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    data = dict(inputs=torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8),
                data_samples=[DataSample().set_gt_label(i % 3) for i in range(4)])
    model.train()
    losses = model.train_step(data, optim_wrapper)
    assert torch.isfinite(losses['loss'])
    after = model.state_dict()
    for name in before:
        if name.startswith('backbone.'):
            torch.testing.assert_close(after[name], before[name], rtol=0, atol=0)
    assert not torch.equal(after['head.fc.weight'], before['head.fc.weight'])
