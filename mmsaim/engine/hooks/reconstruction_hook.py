import os.path as osp
from typing import Optional

import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from ...apis import load_images
from ...visualization import reconstruction_figure


@HOOKS.register_module()
class SAIMReconstructionHook(Hook):
    """Draw the SAIM reconstruction picture (see :mod:`mmsaim.visualization`) during training.

    ``num_images`` training images spread over the dataset (the first readable image of
    each of ``num_images`` equal parts of it: distinct scenes where consecutive files are
    frames of one video) are center-cropped to ``img_size`` and predicted patch by patch in a
    random order fixed by ``seed``. Every ``interval`` epochs
    and after the last one the picture goes to the runner's visualizer
    (``runner.visualizer.add_image(name, picture, step=epochs done)``: every configured
    backend receives it, e.g. TensorBoard, or the local backend's
    ``<work_dir>/<timestamp>/vis_data/vis_image/``) and to the PNG file
    ``<work_dir>/<out_file>``, which the last picture overwrites. It draws no numbers from the
    training random generators, so it does not change the run.

    Args:
        img_size (int): side of the square crops.
        num_images (int): rows of the picture. Defaults to 4.
        interval (int, optional): epochs between pictures; ``None`` for the end only.
        out_file (str): Defaults to ``'reconstruction.png'``; its stem is the visualizer's
            image name.
        seed (int): seed of the order shown. Defaults to 0.
    """
    priority = 'LOW'

    def __init__(self,
                 img_size: int,
                 num_images: int = 4,
                 interval: Optional[int] = None,
                 out_file: str = 'reconstruction.png',
                 seed: int = 0):
        self.img_size = img_size
        self.num_images = num_images
        self.interval = interval
        self.out_file = out_file
        self.seed = seed

    def spread_images(self, model, dataset) -> torch.Tensor:
        """(num_images, 3, img_size, img_size): the first readable image of each of
        ``num_images`` equal parts of ``dataset``, as ``model`` takes them."""
        bounds = np.linspace(0, len(dataset), self.num_images + 1).astype(int)
        images = []
        for start, end in zip(bounds[:-1], bounds[1:]):
            for i in range(start, end):
                try:
                    images.append(load_images(model, [dataset.get_data_info(i)['img_path']],
                                              self.img_size))
                    break
                except ValueError:  # unreadable; the pipeline names or skips it
                    continue
        return torch.cat(images)

    @master_only
    def _write(self, runner, epochs_done: int) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        images = self.spread_images(model, runner.train_dataloader.dataset)
        picture = reconstruction_figure(model, images, self.seed)
        out_file = osp.join(runner.work_dir, self.out_file)
        picture.save(out_file)
        runner.visualizer.add_image(osp.splitext(self.out_file)[0], np.asarray(picture),
                                    step=epochs_done)
        runner.logger.info(f'SAIM reconstruction picture written to {out_file} and the '
                           'visualizer')

    def after_train_epoch(self, runner) -> None:
        last_epoch = runner.epoch + 1 >= runner.max_epochs  # after_train writes that one
        if self.interval and self.every_n_epochs(runner, self.interval) and not last_epoch:
            self._write(runner, runner.epoch + 1)

    def after_train(self, runner) -> None:
        self._write(runner, runner.epoch)
