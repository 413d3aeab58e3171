import os.path as osp
from typing import Optional

import torch
from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from ...visualization import load_images, save_reconstruction


@HOOKS.register_module()
class SAIMReconstructionHook(Hook):
    """Write the SAIM reconstruction picture (see :mod:`mmsaim.visualization`) during training.

    The first ``num_images`` readable training images are center-cropped to ``img_size`` and predicted
    patch by patch in a random order fixed by ``seed``; the picture goes to
    ``<work_dir>/<out_file>`` every ``interval`` epochs and after the last one. It draws no
    numbers from the training random generators, so it does not change the run.

    Args:
        img_size (int): side of the square crops.
        num_images (int): rows of the picture. Defaults to 4.
        interval (int, optional): epochs between pictures; ``None`` for the end only.
        out_file (str): Defaults to ``'reconstruction.png'``.
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

    def _first_readable_images(self, model, dataset) -> torch.Tensor:
        images = []
        for i in range(len(dataset)):
            try:
                images.append(load_images(model, [dataset.get_data_info(i)['img_path']],
                                          self.img_size))
            except ValueError:  # unreadable; the pipeline names or skips it
                continue
            if len(images) == self.num_images:
                break
        return torch.cat(images)

    @master_only
    def _write(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        images = self._first_readable_images(model, runner.train_dataloader.dataset)
        out_file = osp.join(runner.work_dir, self.out_file)
        save_reconstruction(model, images, out_file, self.seed)
        runner.logger.info(f'SAIM reconstruction picture written to {out_file}')

    def after_train_epoch(self, runner) -> None:
        last_epoch = runner.epoch + 1 >= runner.max_epochs  # after_train writes that one
        if self.interval and self.every_n_epochs(runner, self.interval) and not last_epoch:
            self._write(runner)

    def after_train(self, runner) -> None:
        self._write(runner)
