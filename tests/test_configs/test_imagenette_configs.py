"""The Imagenette representation benchmark as configs: every row pretrains under every preset,
the rows differ only where the table says they do, the evaluations are mmpretrain's recipes
(and the attentive probe, the k-NN of every block and the any-order loss read the encoders
they should), the 48 px preset differs from the CPU one in the crops only, and tools/train.py
and tools/test.py run them."""
import glob
import json
import os.path as osp

import pytest
import torch
from mmpretrain.registry import MODELS

from mmsaim.apis import publish_checkpoint
from mmsaim.datasets import ImageTensorDataset
from tests.helpers.models import build_tiny_saim
from tests.helpers.tool_runs import import_tool, run_python
from tests.helpers.toy_imagenet import write_toy_imagenet

presets = import_tool('analysis/benchmark_presets.py')
CONFIGS, PRESETS = presets.CONFIG_DIR, presets.PRESET_DIR
ROWS = ['pretrain_saim.py', 'pretrain_saim-raster.py', 'pretrain_saim-light.py',
        'pretrain_vit-igpt.py', 'pretrain_mae.py']
EVALUATIONS = ['eval_knn.py', 'eval_linear-cls.py', 'eval_linear-patch-mean.py',
               'eval_attentive.py', 'eval_knn-blocks.py', 'eval_any-order.py',
               'eval_finetune.py']


def load(config, preset='cpu', row=None):
    """``config`` read under a preset (a name in _base_/presets or a file), and for
    eval_any-order.py a row's pretraining config."""
    return presets.load_config(config, presets.preset_file(str(preset)), row)


def test_every_config_is_listed():
    found = sorted(osp.basename(p) for p in glob.glob(osp.join(CONFIGS, '*.py')))
    assert found == sorted(ROWS + EVALUATIONS)
    assert presets.preset_names() == ['cpu', 'cpu-48px', 'cuda']


@pytest.mark.parametrize('preset', ['cpu', 'cpu-48px', 'cuda'])
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
    (schedule, ) = cfg.param_scheduler
    assert (schedule.type, schedule.warmup, schedule.start_factor, schedule.eta_min) == (
        'WarmupCosineAnnealingLR', 2, 1e-3, 1e-5)
    assert cfg.train_cfg.max_epochs == 20


def test_cuda_preset_is_vit_s8_in_bf16():
    cfg = load('pretrain_saim.py', 'cuda')
    assert cfg.model.backbone.arch.embed_dims == 384 and cfg.model.backbone.img_size == 64
    assert cfg.train_dataloader.dataset.device == 'cuda'
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper' and cfg.optim_wrapper.dtype == 'bfloat16'
    assert cfg.train_cfg.max_epochs == 200 and cfg.param_scheduler[0].warmup == 20
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


def test_48px_preset_is_the_cpu_preset_with_36_patches():
    cpu = presets.read_preset(presets.preset_file('cpu'))
    assert presets.read_preset(presets.preset_file('cpu-48px')) == dict(cpu, crop_size=48)
    cfg = load('pretrain_saim.py', 'cpu-48px')
    assert cfg.model.backbone.img_size == 48 and cfg.train_dataloader.dataset.image_size == 54
    model = MODELS.build(cfg.model)
    assert model.backbone.patch_resolution == (6, 6)  # 36 patches
    for config in EVALUATIONS:  # every evaluation reads the same encoder on 48 px crops
        encoder = load(config, 'cpu-48px').model.get('backbone', {})
        if encoder.get('type') != 'PrecomputedFeatures':
            assert encoder.img_size == 48, config


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


def test_attentive_probe_and_knn_of_every_block():
    knn, linear = load('eval_knn.py'), load('eval_linear-cls.py')
    attentive = load('eval_attentive.py')
    for loader in ('train_dataloader', 'val_dataloader'):
        dataset = attentive[loader].dataset
        assert dataset.feature == 'patches'
        assert dataset.encoder == dict(knn.model, features=['patches'])  # the last block's
        assert dataset.images == linear[loader].dataset.images
    assert attentive.model.neck == dict(type='AttentivePooling', in_channels=192, num_heads=3)
    assert attentive.model.head == linear.model.head
    assert attentive.optim_wrapper.optimizer == dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999),
                                                     weight_decay=0.05)
    assert attentive.train_cfg == linear.train_cfg  # 90 epochs, validated at the end
    assert attentive.train_dataloader.batch_size == 256
    probe = MODELS.build(attentive.model)
    probe.init_weights()
    logits = probe(torch.randn(4, 16, 192), mode='tensor')  # 16 patch tokens per image
    assert logits.shape == (4, 10)

    blocks = load('eval_knn-blocks.py')
    assert blocks.test_evaluator == knn.test_evaluator
    assert blocks.test_dataloader == knn.test_dataloader
    assert blocks.model.features == ['patch_mean']
    assert blocks.model.backbone == dict(knn.model.backbone, out_indices=[0, 1, 2, 3, 4, 5],
                                         final_norm=False)
    features = MODELS.build(blocks.model).eval()(torch.rand(2, 3, 32, 32))
    assert sorted(features) == [f'patch_mean/block_{k}' for k in range(1, 7)]


@pytest.mark.parametrize('row', ['pretrain_saim.py', 'pretrain_saim-raster.py',
                                 'pretrain_saim-light.py', 'pretrain_vit-igpt.py'])
def test_any_order_evaluates_the_rows_own_model(row):
    cfg = load('eval_any-order.py', row=row)
    assert cfg.model == load(row).model
    assert cfg.test_dataloader.dataset.split == 'val'
    assert cfg.test_dataloader.sampler.shuffle is False
    assert cfg.test_evaluator == dict(type='PredictionStepLoss')
    assert cfg.train_cfg is None and cfg.train_dataloader is None
    assert load('eval_any-order.py').model == load('pretrain_saim.py').model


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


def test_test_tool_scores_a_row_in_any_order(tmp_path, tiny):
    """tools/test.py gives the raster-order loss of a published ViT-iGPT model on the val
    images: the training loss of that model on their center crops."""
    data, env = tiny
    cfg = presets.load_config('pretrain_vit-igpt.py', env['SAIM_BENCHMARK_PRESET'])
    model = MODELS.build(cfg.model)
    model.init_weights()
    checkpoint = publish_checkpoint(dict(state_dict=model.state_dict()),
                                    str(tmp_path / 'igpt.pth'))
    proc = run_python(['tools/test.py', osp.join(CONFIGS, 'eval_any-order.py'), checkpoint,
                       '--work-dir', tmp_path / 'work', '--out', tmp_path / 'loss.json',
                       '--cfg-options', f'test_dataloader.dataset.data_root={data}',
                       'model.order=raster'],
                      env=dict(env, SAIM_BENCHMARK_ROW='./pretrain_vit-igpt.py'))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = json.loads((tmp_path / 'loss.json').read_text())
    assert len(metrics['prediction/step_loss']) == 4  # 16 px crops of 8x8 patches
    val = ImageTensorDataset(str(data), 'val', image_size=18)
    model.order = 'raster'
    with torch.no_grad():
        inputs = model.data_preprocessor(val.__getitems__(range(len(val))), False)['inputs']
        expected = model.eval().loss(inputs, None)['loss'].item()
    assert metrics['prediction/loss'] == pytest.approx(expected, rel=1e-5)
