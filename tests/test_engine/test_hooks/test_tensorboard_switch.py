"""The README's TensorBoard switch: with the tensorboard extra installed, the visualizer
line below makes a run write TensorBoard events (losses and the reconstruction picture)
beside the local backend's files."""
import glob
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner
from tensorboard.backend.event_processing import event_accumulator

from tests.helpers.tool_runs import FOLDER_CONFIG, write_images

SWITCH = "visualizer = dict(vis_backends=[dict(type='LocalVisBackend'), " \
         "dict(type='TensorboardVisBackend')])"


def test_tensorboard_backend_receives_losses_and_pictures(tmp_path):
    write_images(tmp_path / 'images', count=4)
    config = tmp_path / 'tensorboard.py'
    config.write_text(f'_base_ = [{FOLDER_CONFIG!r}]\n{SWITCH}\n')
    cfg = Config.fromfile(str(config))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_dataloader.dataset.data_root = str(tmp_path / 'images')
    cfg.train_cfg.max_epochs = 2
    cfg.default_hooks.logger.interval = 1
    cfg.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    Runner.from_cfg(cfg).train()

    run_dir, = glob.glob(str(tmp_path / 'work' / '*' / 'vis_data'))
    assert osp.isfile(osp.join(run_dir, 'scalars.json'))  # the local backend still writes
    events = event_accumulator.EventAccumulator(run_dir)
    events.Reload()
    assert len(events.Scalars('loss')) == 4  # 2 epochs of 4 images in batches of 2
    assert events.Tags()['images'] == ['reconstruction']
