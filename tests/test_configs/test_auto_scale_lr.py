"""``tools/train.py --auto-scale-lr`` works on every training config: each says the total
batch size its lr was set for, the one its name gives (OpenMMLab's ``NxbM``: N GPUs x M
images each)."""
import glob
import json
import os.path as osp
import re

import pytest
from mmengine.config import Config

from tests.helpers.tool_runs import (FOLDER_CONFIG, ROOT, SMALL_LOADER, data_options,
                                     run_tool_in_process, write_images)

GPUS_X_BATCH = re.compile(r'[_-](\d+)xb(\d+)[_-]')
NAMED_CONFIGS = sorted(
    path for path in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in path and GPUS_X_BATCH.search(osp.basename(path)))


def test_the_configs_are_found():
    assert len(NAMED_CONFIGS) >= 25 and FOLDER_CONFIG in NAMED_CONFIGS


@pytest.mark.parametrize('path', NAMED_CONFIGS, ids=osp.basename)
def test_every_training_config_has_the_batch_size_of_its_name(path):
    cfg = Config.fromfile(path)
    gpus, batch = map(int, GPUS_X_BATCH.search(osp.basename(path)).groups())
    assert cfg.train_dataloader.batch_size == batch
    assert cfg.auto_scale_lr.base_batch_size == gpus * batch


# The single-process training configs, named without NxbM: the Imagenette benchmark's.
IMAGENETTE_TRAINING = sorted(
    path for pattern in ('pretrain_*', 'eval_finetune', 'eval_linear-*', 'eval_attentive')
    for path in glob.glob(osp.join(ROOT, 'configs/saim/benchmarks/imagenette', pattern + '.py')))


@pytest.mark.parametrize('path', IMAGENETTE_TRAINING, ids=osp.basename)
def test_the_benchmark_configs_have_the_batch_size_of_their_loader(path):
    cfg = Config.fromfile(path)
    assert cfg.auto_scale_lr.base_batch_size == cfg.train_dataloader.batch_size


def test_auto_scale_lr_scales_the_lr_to_the_batch_size(tmp_path):
    write_images(tmp_path / 'images', count=4)
    work = tmp_path / 'work'
    run_tool_in_process('train.py', FOLDER_CONFIG, '--work-dir', work, '--auto-scale-lr',
                        '--cfg-options', 'train_cfg.max_epochs=1', *SMALL_LOADER,
                        *data_options(tmp_path / 'images'))
    log, = glob.glob(str(work / '*' / '*.log'))
    with open(log) as f:
        assert ('LR is set based on batch size of 32 and the current batch size is 4. '
                'Scaling the original LR by 0.125.') in f.read()
    scalars, = glob.glob(str(work / '*' / 'vis_data' / 'scalars.json'))
    with open(scalars) as f:
        last = [json.loads(line) for line in f][-1]
    # The warm-up of the one-iteration run ends at the peak: the config's 1.5e-3 for batch 32.
    assert last['lr'] == pytest.approx(1.5e-3 * 4 / 32)
