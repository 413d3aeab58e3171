"""The Imagenette representation benchmark as configs: every row pretrains under every preset,
the rows differ only where the table says they do, the evaluations are mmpretrain's recipes
(and the attentive probe, the k-NN of every block and the any-order test read the encoders
they should), each preset's --cfg-options keep every value the configs derive from the
preset consistent, the 48 px preset differs from the CPU one in the crops only, and
tools/train.py and tools/test.py run the configs."""
import glob
import json
import os.path as osp

import pytest
import torch
from mmpretrain.registry import MODELS

from mmsaim.apis import publish_checkpoint
from mmsaim.datasets import ImageTensorDataset
from tests.helpers.tool_runs import import_tool, run_python
from tests.helpers.toy_imagenet import write_toy_imagenet

presets = import_tool('analysis/imagenette_benchmark/presets.py')
CONFIGS = presets.CONFIG_DIR
SAIM_ROWS = ['pretrain_saim.py', 'pretrain_saim-raster.py', 'pretrain_saim-light.py',
             'pretrain_vit-igpt.py']
ROWS = SAIM_ROWS + ['pretrain_mae.py']
EVALUATIONS = ['eval_knn.py', 'eval_linear-cls.py', 'eval_linear-patch-mean.py',
               'eval_attentive.py', 'eval_knn-blocks.py', 'eval_finetune.py']
PRESETS = ['cpu', 'cpu-48px', 'cuda']
TEST_KEYS = ('test_dataloader', 'test_evaluator', 'test_cfg')


def load(config, preset='cpu', options=()):
    """``config`` as the benchmark's runs read it under a preset, with more options."""
    return presets.read_preset(preset).load(config, options)


def test_every_config_is_listed():
    found = sorted(osp.basename(p) for p in glob.glob(osp.join(CONFIGS, '*.py')))
    assert found == sorted(ROWS + EVALUATIONS)
    assert presets.preset_names() == PRESETS
    assert presets.read_preset('cpu').cfg_options == {}  # the configs are the CPU preset
    for name in PRESETS[1:]:
        assert sorted(presets.read_preset(name).cfg_options) == found, name


@pytest.mark.parametrize('preset', PRESETS)
@pytest.mark.parametrize('row', ROWS)
def test_every_row_takes_a_loss_step_on_stored_images(row, preset):
    """The models of every preset (the GPU one too, here on the CPU) crop the stored images
    and give a loss to train."""
    cfg = load(row, preset)
    crop = cfg.train_dataloader.dataset.crop_size
    model = MODELS.build(cfg.model)
    images = torch.randint(0, 256, (2, 3, crop * 9 // 8, crop * 9 // 8), dtype=torch.uint8)
    data = model.data_preprocessor(dict(inputs=images, data_samples=None), True)
    assert data['inputs'].shape[-1] == crop
    loss = model(**data, mode='loss')['loss']
    assert torch.isfinite(loss) and loss.requires_grad


def test_cpu_preset_is_the_measured_recipe():
    cfg = load('pretrain_saim.py')
    assert cfg.model.backbone.arch == dict(embed_dims=192, num_layers=6, num_heads=3,
                                           feedforward_channels=768)
    assert cfg.model.backbone.patch_size == 8 and cfg.model.backbone.img_size == 32
    assert cfg.model.head.blur == dict(kernel_size=9, sigma=1.)
    assert MODELS.build(cfg.model).neck.attach_to == [0, 1, 2, 3, 4, 5]  # as deep as the ViT
    assert cfg.model.data_preprocessor.batch_crop == dict(size=32, scale=(0.2, 1.))
    data = cfg.train_dataloader
    assert data.batch_size == 128 and data.drop_last and data.dataset.crop_size == 32
    assert 'device' not in data.dataset and not data.dataset.with_label  # the model's device
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.betas, optimizer.weight_decay) == (
        'AdamW', 1e-3, (0.9, 0.95), 0.05)
    (schedule, ) = cfg.param_scheduler
    assert (schedule.type, schedule.warmup, schedule.start_factor, schedule.eta_min) == (
        'WarmupCosineAnnealingLR', 2, 1e-3, 1e-5)
    assert cfg.train_cfg.max_epochs == 20


def test_cuda_preset_is_vit_s8_in_bf16():
    cfg = load('pretrain_saim.py', 'cuda')
    assert cfg.model.backbone.arch == dict(embed_dims=384, num_layers=12, num_heads=6,
                                           feedforward_channels=1536)
    assert cfg.model.backbone.img_size == 64 and cfg.train_dataloader.batch_size == 256
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper' and cfg.optim_wrapper.dtype == 'bfloat16'
    assert cfg.train_cfg.max_epochs == 200 and cfg.param_scheduler[0].warmup == 20
    assert cfg.default_hooks.checkpoint.interval == 10
    finetune = load('eval_finetune.py', 'cuda')
    assert (finetune.train_cfg.max_epochs, finetune.train_cfg.val_interval) == (50, 50)
    assert finetune.param_scheduler[0].warmup == 5 and finetune.optim_wrapper.type == (
        'AmpOptimWrapper')
    assert presets.read_preset('cuda').device == 'cuda'


def encoders(cfg):
    """``(key, model)`` of every model in ``cfg`` that holds the benchmark's encoder: the
    model itself, or the frozen encoders of a probe's datasets."""
    found = [(f'{loader}.dataset.encoder', cfg[loader].dataset.encoder)
             for loader in ('train_dataloader', 'val_dataloader')
             if 'encoder' in (cfg.get(loader) or {}).get('dataset', {})]
    return found or [('model', cfg.model)]


def stored_datasets(cfg):
    """Every ImageTensorDataset of ``cfg``'s dataloaders."""
    datasets = [cfg[loader].dataset for loader in
                ('train_dataloader', 'val_dataloader', 'test_dataloader') if cfg.get(loader)]
    return [dataset.get('images', dataset) for dataset in datasets]


@pytest.mark.parametrize('preset', PRESETS)
def test_presets_keep_the_derived_values(preset):
    """Under each preset every config reads the pretraining config's encoder on its crops,
    stores the images for those crops, and sizes what the configs derive from the encoder
    as they do: the query streams, MAE's decoder, the blocks read, the heads."""
    saim = load('pretrain_saim.py', preset)
    arch, crop = saim.model.backbone.arch, saim.model.data_preprocessor.batch_crop.size
    width, depth, heads = arch.embed_dims, arch.num_layers, arch.num_heads
    for config in ROWS + EVALUATIONS:
        cfg = load(config, preset)
        for key, model in encoders(cfg):
            backbone = model.backbone
            assert (dict(backbone.arch), backbone.patch_size, backbone.img_size) == (
                dict(arch), 8, crop), (config, key)
            assert model.data_preprocessor.batch_crop.size == crop, (config, key)
        for dataset in stored_datasets(cfg):
            assert dataset.crop_size == crop, config
        if 'head' in cfg.model and 'in_channels' in cfg.model.head:
            assert cfg.model.head.in_channels == width, config
    assert MODELS.build(saim.model).neck.attach_to == list(range(depth))
    light = load('pretrain_saim-light.py', preset).model.neck
    assert (light.embed_dims, light.num_heads, light.depth) == (
        width // 2, max(1, heads // 2), max(1, depth // 3))
    mae = load('pretrain_mae.py', preset).model.neck
    assert (mae.num_patches, mae.embed_dim) == ((crop // 8)**2, width)
    assert (mae.decoder_embed_dim, mae.decoder_depth, mae.decoder_num_heads) == (
        width * 2 // 3, depth * 2 // 3, max(1, width * 2 // 3 // 32))
    assert load('eval_knn-blocks.py', preset).model.backbone.out_indices == list(range(depth))
    assert load('eval_linear-cls.py', preset).model.neck.input_features == width
    attentive = load('eval_attentive.py', preset).model.neck
    assert (attentive.in_channels, attentive.num_heads) == (width, heads)


def test_rows_differ_only_in_the_model():
    saim = load('pretrain_saim.py')
    for row in ROWS[1:]:
        cfg = load(row)
        ignored = ('model', 'work_dir') + (() if row in SAIM_ROWS else TEST_KEYS)
        assert {k: v for k, v in cfg.items() if k not in ignored} == {
            k: v for k, v in saim.items() if k not in ignored}, row
    assert not any(key in load('pretrain_mae.py') for key in TEST_KEYS)
    assert load('pretrain_saim-raster.py').model == dict(saim.model, order='raster')
    assert load('pretrain_vit-igpt.py').model == dict(saim.model, order='raster', neck=None)
    light = load('pretrain_saim-light.py').model
    assert light == dict(saim.model, neck=dict(saim.model.neck, embed_dims=96, num_heads=1,
                                               depth=2))
    mae = load('pretrain_mae.py').model
    assert mae.neck.decoder_embed_dim == 128 and mae.neck.decoder_depth == 4
    assert mae.neck.decoder_num_heads == 4 and mae.backbone.mask_ratio == 0.75
    assert mae.data_preprocessor == saim.model.data_preprocessor


def test_48px_preset_is_the_cpu_preset_with_36_patches():
    def values(preset):
        return presets.preset_values(load('pretrain_saim.py', preset),
                                     load('eval_finetune.py', preset), 'cpu')

    assert values('cpu-48px') == dict(values('cpu'), crop_size=48)
    cfg = load('pretrain_saim.py', 'cpu-48px')
    assert cfg.train_dataloader.dataset.crop_size == 48
    model = MODELS.build(cfg.model)
    assert model.backbone.patch_resolution == (6, 6)  # 36 patches


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


@pytest.mark.parametrize('row', SAIM_ROWS)
def test_any_order_is_the_test_of_every_saim_row(row):
    """tools/test.py on a SAIM row's config scores its own model in one order
    (``model.order``): the pretraining loss on the val split's center crops, per step."""
    cfg = load(row, options=['model.order=center-out'])
    assert cfg.model == dict(load(row).model, order='center-out')
    assert cfg.test_dataloader.dataset == dict(type='ImageTensorDataset', split='val',
                                               data_root='data/imagenette', crop_size=32)
    assert cfg.test_dataloader.sampler.shuffle is False
    assert cfg.test_evaluator == dict(type='PredictionStepLoss') and cfg.test_cfg == {}


@pytest.fixture
def toy(tmp_path):
    """A toy folder: 8 train and 4 val images of two classes."""
    return write_toy_imagenet(tmp_path / 'toy', train_per_class=4, val_per_class=2)


def published_row(row, path) -> str:
    """The initial weights of a row's model, published."""
    model = MODELS.build(load(row).model)
    model.init_weights()
    return publish_checkpoint(dict(state_dict=model.state_dict()), str(path))


@pytest.mark.slow
def test_test_tool_scores_every_block_of_a_published_encoder(tmp_path, toy):
    """The k-NN of every block reads the encoder without its final norm: the checkpoint's
    final norm is left out with the rest of what the frozen encoder does not have."""
    checkpoint = published_row('pretrain_saim.py', tmp_path / 'saim.pth')
    proc = run_python(['tools/test.py', osp.join(CONFIGS, 'eval_knn-blocks.py'), checkpoint,
                       '--work-dir', tmp_path / 'work', '--out', tmp_path / 'knn.json',
                       '--cfg-options', f'test_dataloader.dataset.data_root={toy}'])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = json.loads((tmp_path / 'knn.json').read_text())
    assert sorted(metrics) == sorted(f'knn/patch_mean/block_{k}' for k in range(1, 7))


@pytest.mark.slow
def test_test_tool_scores_a_row_in_any_order(tmp_path, toy):
    """tools/test.py gives the raster-order loss of a published ViT-iGPT model on the val
    images: the training loss of that model on their center crops."""
    checkpoint = published_row('pretrain_vit-igpt.py', tmp_path / 'igpt.pth')
    proc = run_python(['tools/test.py', osp.join(CONFIGS, 'pretrain_vit-igpt.py'), checkpoint,
                       '--work-dir', tmp_path / 'work', '--out', tmp_path / 'loss.json',
                       '--cfg-options', f'test_dataloader.dataset.data_root={toy}',
                       'model.order=raster'])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = json.loads((tmp_path / 'loss.json').read_text())
    assert len(metrics['prediction/step_loss']) == 16  # 32 px crops of 8x8 patches
    model = MODELS.build(load('pretrain_vit-igpt.py', options=['model.order=raster']).model)
    model.load_state_dict(torch.load(checkpoint)['state_dict'])
    val = ImageTensorDataset(str(toy), 'val', crop_size=32)
    with torch.no_grad():
        inputs = model.data_preprocessor(val.__getitems__(range(len(val))), False)['inputs']
        expected = model.eval().loss(inputs, None)['loss'].item()
    assert metrics['prediction/loss'] == pytest.approx(expected, rel=1e-5)
