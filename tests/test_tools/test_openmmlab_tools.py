"""OpenMMLab's own entry points on mmsaim's configs: the train.py of mmpretrain, mmdet and
mmseg and mmengine's ``Runner.from_cfg`` train a run shortened with ``--cfg-options``, and
mmpretrain's browse_dataset.py draws a folder config's images."""
import argparse
import importlib
import os.path as osp

import pytest
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from tests.helpers.tiny_datasets import LOADERS, tiny_coco, tiny_segmentation
from tests.helpers.tool_runs import (FOLDER_CONFIG, ROOT, SMALL_LOADER, data_options,
                                     loader_overrides, run_python, write_images)

DROPLETS = osp.join(ROOT, 'configs/mask_rcnn',
                    'mask-rcnn_vit-tiny-p8-saim-demo_1xb2-300it_droplets.py')
CAMVID = osp.join(ROOT, 'configs/upernet',
                  'upernet_vit-tiny-p8-saim-demo_1xb4-500it_camvid-160x160.py')
LIBRARIES = ['mmpretrain', 'mmdet', 'mmseg']


def openmmlab_tool(package, tool):
    """The path of ``tools/<tool>`` that the installed ``package`` carries in its ``.mim``."""
    return osp.join(osp.dirname(importlib.import_module(package).__file__), '.mim', 'tools', tool)


def shortened_run(library, tmp_path, encoder):
    """A config of ``library`` on tiny data, shortened from the command line: the config,
    its ``--cfg-options`` and the checkpoint the run ends with."""
    if library == 'mmpretrain':
        write_images(tmp_path / 'images', count=4)
        return (FOLDER_CONFIG, ['train_cfg.max_epochs=1', *SMALL_LOADER,
                                *data_options(tmp_path / 'images')], 'epoch_1.pth')
    config, data = dict(mmdet=(DROPLETS, tiny_coco), mmseg=(CAMVID, tiny_segmentation))[library]
    options = [*data(tmp_path / 'data'), f'model.backbone.init_cfg.checkpoint={encoder}',
               'train_cfg.max_iters=4', 'train_dataloader.batch_size=2',
               *loader_overrides(*LOADERS)]
    return config, options, 'iter_4.pth'


@pytest.mark.slow
@pytest.mark.parametrize('library', LIBRARIES)
def test_the_train_script_of_each_library_trains_a_shortened_config(
        library, tmp_path, demo_saim_checkpoint):
    config, options, checkpoint = shortened_run(library, tmp_path, demo_saim_checkpoint)
    work = tmp_path / 'work'
    proc = run_python([openmmlab_tool(library, 'train.py'), config, '--work-dir', work,
                       '--cfg-options', *options])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (work / checkpoint).is_file()


@pytest.mark.slow
@pytest.mark.parametrize('library', LIBRARIES)
def test_runner_from_cfg_trains_a_shortened_config(library, tmp_path, demo_saim_checkpoint):
    config, options, checkpoint = shortened_run(library, tmp_path, demo_saim_checkpoint)
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(parser.parse_args(['--cfg-options', *options]).cfg_options)
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)  # mmengine's own Runner: from_cfg ignores runner_type
    assert type(runner) is Runner
    runner.train()
    assert (tmp_path / 'work' / checkpoint).is_file()


@pytest.mark.slow
def test_browse_dataset_draws_the_images_of_a_folder_config(tmp_path):
    write_images(tmp_path / 'images', count=3)
    proc = run_python([
        openmmlab_tool('mmpretrain', 'visualization/browse_dataset.py'), FOLDER_CONFIG,
        '--mode', 'original', '--show-number', '2', '--not-show', '--output-dir',
        tmp_path / 'out', '--cfg-options',
        *data_options(tmp_path / 'images', ['train_dataloader'])
    ])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == ['0.jpg', '1.jpg']
