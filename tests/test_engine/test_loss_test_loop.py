"""A pretraining config's test is its loss on the test images, averaged over the images."""
import copy

import torch
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.runner import Runner

from tests.helpers.tool_runs import FOLDER_CONFIG, write_images


def test_runner_test_reports_the_loss_averaged_over_images(tmp_path):
    write_images(tmp_path / 'images', count=5)
    cfg = Config.fromfile(FOLDER_CONFIG)
    cfg.test_dataloader.dataset.data_root = str(tmp_path / 'images')
    cfg.model.order = 'raster'  # the same order in the test and below
    cfg.work_dir = str(tmp_path / 'work')
    cfg.test_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.pop('custom_hooks')
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()

    model = runner.model.eval()
    dataset = runner.test_dataloader.dataset
    samples = [dataset[i] for i in range(len(dataset))]
    losses = []
    with torch.no_grad():
        for start in (0, 2, 4):  # batches of 2, 2 and 1 image
            data = model.data_preprocessor(default_collate(samples[start:start + 2]), False)
            losses.append((model(**data, mode='loss')['loss'].item(), len(data['inputs'])))
    expected = sum(loss * size for loss, size in losses) / 5
    assert set(metrics) == {'mean/loss'}
    assert abs(metrics['mean/loss'] - expected) < 1e-6
    assert abs(metrics['mean/loss'] - sum(loss for loss, _ in losses) / 3) > 1e-6  # per image


def test_loss_test_loop_builds_from_every_pretraining_base():
    for name in ('saim_vit-base-p16_8xb256-amp-coslr-300e_in1k.py',
                 'saim_vit-tiny-p8_1xb32-coslr-12e_demo-64px.py'):
        cfg = Config.fromfile(FOLDER_CONFIG.replace(
            'saim_vit-tiny-p8_1xb32-coslr-12e_folder-64px.py', name))
        assert cfg.test_cfg.type == 'LossTestLoop' and cfg.test_evaluator.type == 'MeanLoss'
        pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
        assert [t['type'] for t in pipeline] == [
            'LoadImageFromFile', 'ResizeEdge', 'CenterCrop', 'PackInputs']
        assert pipeline[2]['crop_size'] == cfg.model.backbone.img_size
