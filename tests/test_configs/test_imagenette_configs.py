"""The Imagenette representation benchmark as configs: every row pretrains under both presets,
the rows differ only where the table says they do, the evaluations are mmpretrain's recipes,
a preset is a small file, and tools/train.py trains a row."""
import glob
import json
import os.path as osp

import pytest
import torch
from mmpretrain.registry import MODELS

from mmsaim.apis import publish_checkpoint
from tests.helpers.models import build_tiny_saim
from tests.helpers.tool_runs import import_tool, run_python
from tests.helpers.toy_imagenet import write_toy_imagenet

presets = import_tool('analysis/benchmark_presets.py')
CONFIGS, PRESETS = presets.CONFIG_DIR, presets.PRESET_DIR
ROWS = ['pretrain_saim.py', 'pretrain_saim-raster.py', 'pretrain_saim-light.py',
        'pretrain_vit-igpt.py', 'pretrain_mae.py']


def load(config, preset='cpu'):
    """``config`` read under a preset (a name in _base_/presets or a file)."""
    return presets.load_config(config, presets.preset_file(str(preset)))


def test_every_config_is_listed():
    found = sorted(osp.basename(p) for p in glob.glob(osp.join(CONFIGS, '*.py')))
    assert found == sorted(ROWS + ['eval_knn.py', 'eval_linear-cls.py',
                                   'eval_linear-patch-mean.py', 'eval_finetune.py'])


@pytest.mark.parametrize('preset', ['cpu', 'cuda'])
@pytest.mark.parametrize('row', ROWS)
def test_every_row_takes_a_loss_step_on_stored_images(row, preset):
    """The models of both presets (the GPU one too, here on the CPU) crop the stored images
    and give a loss to train."""
    cfg = load(row, preset)
    stored = cfg.train_dataloader.dataset.image_size
    model = MODELS.build(cfg.model)
    images = torch.randint(0, 256, (2, 3, stored, stored), dtype=torch.uint8)
    data = model.data_preprocessor(dict(inputs=images, data_samples=None), True)
    assert data['inputs'].shape[-1] == cfg.crop_size
    loss = model(**data, mode='loss')['loss']
    assert torch.isfinite(loss) and loss.requires_grad


def test_cpu_preset_is_the_measured_recipe():
    cfg = load('pretrain_saim.py')
    assert cfg.model.backbone.arch == dict(embed_dims=192, num_layers=6, num_heads=3,
                                           feedforward_channels=768)
    assert cfg.model.backbone.patch_size == 8 and cfg.model.backbone.img_size == 32
    assert cfg.model.neck.depth == 6 and cfg.model.head.blur == dict(kernel_size=9, sigma=1.)
    assert cfg.model.data_preprocessor.batch_crop == dict(size=32, scale=(0.2, 1.))
    data = cfg.train_dataloader
    assert data.batch_size == 128 and data.drop_last and data.dataset.image_size == 36
    assert data.dataset.device == 'cpu' and not data.dataset.with_label
    assert cfg.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper'
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.betas, optimizer.weight_decay) == (
        'AdamW', 1e-3, (0.9, 0.95), 0.05)
    warmup, cosine = cfg.param_scheduler
    assert (warmup.type, warmup.start_factor, warmup.end) == ('LinearLR', 1e-3, 2)
    assert (cosine.type, cosine.begin, cosine.eta_min) == ('CosineAnnealingLR', 2, 1e-5)
    assert cfg.train_cfg.max_epochs == 20


def test_cuda_preset_is_vit_s8_in_bf16():
    cfg = load('pretrain_saim.py', 'cuda')
    assert cfg.model.backbone.arch.embed_dims == 384 and cfg.model.backbone.img_size == 64
    assert cfg.train_dataloader.dataset.device == 'cuda'
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper' and cfg.optim_wrapper.dtype == 'bfloat16'
    assert cfg.train_cfg.max_epochs == 200 and cfg.param_scheduler[0].end == 20
    assert load('eval_finetune.py', 'cuda').train_cfg.max_epochs == 50


def test_rows_differ_only_in_the_model():
    saim = load('pretrain_saim.py')
    for row in ROWS[1:]:
        cfg = load(row)
        assert {k: v for k, v in cfg.items() if k != 'model'} == {
            k: v for k, v in saim.items() if k != 'model'}, row
    assert load('pretrain_saim-raster.py').model == dict(saim.model, order='raster')
    assert load('pretrain_vit-igpt.py').model == dict(saim.model, order='raster', neck=None)
    light = load('pretrain_saim-light.py').model
    assert light == dict(saim.model, neck=dict(saim.model.neck, embed_dims=96, num_heads=1,
                                               depth=2))
    mae = load('pretrain_mae.py').model
    assert mae.neck.decoder_embed_dim == 128 and mae.neck.decoder_depth == 4
    assert mae.neck.decoder_num_heads == 4 and mae.backbone.mask_ratio == 0.75
    assert mae.data_preprocessor.batch_crop == saim.model.data_preprocessor.batch_crop
    for key in ('mean', 'std', 'to_rgb'):
        assert mae.data_preprocessor[key] == saim.model.data_preprocessor[key]


def test_a_preset_is_a_small_file(tmp_path):
    preset = tmp_path / 'cpu-48px.py'
    preset.write_text(f"_base_ = ['{PRESETS}/cpu.py']\ncrop_size = 48\n")
    cfg = load('pretrain_saim.py', preset)
    assert cfg.model.backbone.img_size == 48 and cfg.train_dataloader.dataset.image_size == 54
    assert load('eval_knn.py', preset).model.backbone.img_size == 48  # 36 patches everywhere


def test_evaluations_are_mmpretrain_recipes():
    knn = load('eval_knn.py')
    assert (knn.test_evaluator.k, knn.test_evaluator.temperature) == (20, 0.07)
    assert knn.test_dataloader.dataset.split == ['train', 'val']
    assert knn.model.backbone.out_type == 'raw' and knn.model.backbone.final_norm
    linear = load('eval_linear-cls.py')
    assert linear.train_dataloader.batch_size == 256 and linear.train_cfg.max_epochs == 90
    assert linear.optim_wrapper.optimizer == dict(type='SGD', lr=0.1, momentum=0.9,
                                                  weight_decay=0.)
    assert linear.model.neck.type == 'ClsBatchNormNeck' and not linear.model.neck.affine
    patch_mean = load('eval_linear-patch-mean.py')
    for loader in ('train_dataloader', 'val_dataloader'):
        assert linear[loader].dataset.feature == 'cls'
        assert patch_mean[loader].dataset.feature == 'patch_mean'
        assert linear[loader].dataset.encoder == knn.model  # the same frozen features
    finetune = load('eval_finetune.py')
    backbone = finetune.model.backbone
    assert (backbone.out_type, backbone.final_norm, backbone.drop_path_rate) == (
        'avg_featmap', False, 0.1)
    assert finetune.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.75
    assert [a.type for a in finetune.model.train_cfg.augments] == ['Mixup', 'CutMix']
    assert finetune.model.head.loss.label_smooth_val == 0.1
    assert (finetune.train_cfg.max_epochs, finetune.train_dataloader.batch_size) == (15, 128)
    for cfg in (knn, linear, finetune):
        MODELS.build(cfg.model)


@pytest.fixture
def tiny(tmp_path):
    """A toy folder and a tiny preset (the shape of tests.helpers.models' SAIM at width 48)."""
    data = write_toy_imagenet(tmp_path / 'toy', train_per_class=4, val_per_class=2)
    preset = tmp_path / 'tiny.py'
    preset.write_text(
        f"_base_ = ['{PRESETS}/cpu.py']\n"
        "vit = dict(arch=dict(embed_dims=48, num_layers=3, num_heads=2, feedforward_channels=192))\n"
        "crop_size = 16\npretrain = dict(epochs=1, warmup_epochs=0, batch_size=4)\n")
    return data, dict(SAIM_BENCHMARK_PRESET=str(preset))


def test_train_tool_pretrains_a_row(tmp_path, tiny):
    data, env = tiny
    proc = run_python(['tools/train.py', osp.join(CONFIGS, 'pretrain_mae.py'), '--work-dir',
                       tmp_path / 'work', '--cfg-options',
                       f'train_dataloader.dataset.data_root={data}'], env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()


def test_test_tool_scores_a_published_encoder_by_knn(tmp_path, tiny):
    data, env = tiny
    saim = build_tiny_saim(embed_dims=48, depth=3, num_heads=2, img_size=16, patch_size=8)
    checkpoint = publish_checkpoint(dict(state_dict=saim.state_dict()), str(tmp_path / 's.pth'))
    proc = run_python(['tools/test.py', osp.join(CONFIGS, 'eval_knn.py'), checkpoint,
                       '--work-dir', tmp_path / 'work', '--out', tmp_path / 'knn.json',
                       '--cfg-options', f'test_dataloader.dataset.data_root={data}'], env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = json.loads((tmp_path / 'knn.json').read_text())
    assert set(metrics) == {'knn/cls', 'knn/patch_mean'}
    assert metrics['knn/patch_mean'] == 100.  # red and blue images: the mean patch tells them
