import glob
import inspect
import math
import os
import os.path as osp
import random
from collections import deque

import numpy as np
import torch
from mmengine.dist import get_world_size, is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.registry import HOOKS

from ...runner import replace_file_atomically
from .finite_loss_hook import UNCONFIRMED, loss_value

RANDOM_STATES = 'random_states'


def _finite(loss) -> bool:
    return loss is None or math.isfinite(loss)


@HOOKS.register_module()
class ResumableCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with checkpoints that survive a kill and resume exactly.

    - A checkpoint is written to ``<name>.tmp`` and renamed when complete, so a kill during
      the save leaves the previous checkpoints as they were; ``last_checkpoint`` is updated
      (atomically) only after the rename. (mmengine removes the oldest before writing the
      new one.)
    - The checkpoints that ``max_keep_ckpts`` drops are removed only once training has gone
      on from the new one with a finite loss (the next iteration's): until then the new
      checkpoint is *unconfirmed* (``runner.message_hub.get_info(UNCONFIRMED)``), since an
      update that diverged on the last iteration before a save leaves finite weights whose
      next loss is not. :class:`FiniteLossHook` then names the checkpoint before it. A
      finished run keeps the checkpoint before its last one too: nothing ran after the last
      save.
    - The random states of Python, NumPy and torch (CPU and CUDA) are saved with each
      checkpoint and restored on resume, so a single-process run with a fixed seed continues
      with the numbers the uninterrupted run would have drawn. (In a distributed run the
      ranks re-seed as at the start, as mmengine does.)
    - Arguments that mmengine's hook would only pass on at the first save (and fail there,
      after a whole epoch) are refused when the hook is built.

    Registered in mmengine's ``HOOKS``, so mmpretrain, mmdet and mmseg configs all find it:
    ``default_hooks = dict(checkpoint=dict(type='ResumableCheckpointHook', interval=1))``.
    Remote ``out_dir`` backends are written the way mmengine writes them.

    Args: those of ``CheckpointHook``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.args:
            valid = [p for p in inspect.signature(CheckpointHook.__init__).parameters
                     if p not in ('self', 'kwargs')]
            raise TypeError(f'{type(self).__name__} got unknown arguments {sorted(self.args)}; '
                            f'it takes {valid}')

    def _local(self) -> bool:
        return isinstance(self.file_backend, LocalBackend)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        self._superseded = []
        runner.message_hub.update_info(UNCONFIRMED, None)
        if self._local() and is_main_process():
            for stale in glob.glob(osp.join(glob.escape(self.out_dir), '*.pth.tmp')):
                os.remove(stale)  # left by a save that was cut off

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        if not self._local():
            return super()._save_checkpoint_with_step(runner, step, meta)
        filename = self.filename_tmpl.format(step)
        path = osp.join(self.out_dir, filename)
        kept = list(self.keep_ckpt_ids) if self.max_keep_ckpts > 0 else []
        keep = kept if step in kept else (kept + [step])[-self.max_keep_ckpts:]
        if self.max_keep_ckpts > 0:
            runner.message_hub.update_info('keep_ckpt_ids', keep)
        self.last_ckpt = path
        runner.message_hub.update_info('last_ckpt', path)
        runner.save_checkpoint(
            self.out_dir, f'{filename}.tmp', self.file_client_args,
            save_optimizer=self.save_optimizer, save_param_scheduler=self.save_param_scheduler,
            meta=meta, by_epoch=self.by_epoch, backend_args=self.backend_args)
        if self.max_keep_ckpts > 0:
            self.keep_ckpt_ids = deque(keep, self.max_keep_ckpts)
        if not is_main_process():
            return
        os.replace(f'{path}.tmp', path)
        replace_file_atomically(osp.join(runner.work_dir, 'last_checkpoint'), path.encode())
        self._superseded += [osp.join(self.out_dir, self.filename_tmpl.format(old))
                             for old in set(kept) - set(keep)]
        runner.message_hub.update_info(UNCONFIRMED, path)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if runner.message_hub.get_info(UNCONFIRMED) is not None and _finite(loss_value(outputs)):
            runner.message_hub.update_info(UNCONFIRMED, None)
            if is_main_process():
                for old_path in self._superseded:
                    if osp.isfile(old_path):
                        os.remove(old_path)
            self._superseded = []
        super().after_train_iter(runner, batch_idx, data_batch, outputs)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        states = dict(python=random.getstate(), numpy=np.random.get_state(),
                      torch=torch.get_rng_state())
        if torch.cuda.is_available():
            states['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint[RANDOM_STATES] = states

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        states = checkpoint.get(RANDOM_STATES)
        # Only a resume continues the run; `load_from` and init_cfg start a new one.
        if states is None or not runner._resume or get_world_size() > 1:
            return
        random.setstate(states['python'])
        np.random.set_state(states['numpy'])
        torch.set_rng_state(states['torch'])
        cuda = states.get('cuda')
        if cuda is not None and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda)
