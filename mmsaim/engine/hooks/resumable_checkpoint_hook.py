import glob
import inspect
import math
import os
import os.path as osp
import random
import re
from collections import deque

import numpy as np
import torch
from mmengine.dist import get_world_size, is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.logging import MMLogger
from mmengine.registry import HOOKS

from ...fileio import (CheckpointError, checkpoint_files, checkpoint_step,
                       find_resumable_checkpoint, replace_file_atomically)
from ...fileio.plain_data import shown
from ..logged_at_debug import logged_at_debug
from .finite_loss_hook import UNCONFIRMED, loss_value

RANDOM_STATES = 'random_states'
# What mmengine logs as warnings when its CheckpointHook starts and at every save, making a
# FileClient that it uses only with `file_client_args` (whose deprecation it reports anyway):
# notices of mmengine's own deprecations, which ask nothing of the user.
FILE_CLIENT_NOTICES = re.compile(r'^"(FileClient|HardDiskBackend)" ')


def _finite(loss) -> bool:
    return loss is None or math.isfinite(loss)


@HOOKS.register_module()
class ResumableCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with checkpoints that survive a kill and resume exactly.

    - A checkpoint is written to ``<name>.tmp`` and renamed when complete, so a kill during
      the save leaves the previous checkpoints as they were; ``last_checkpoint`` is updated
      (atomically) only after the rename. (mmengine removes the oldest before writing the
      new one.) A save that fails (a full disk) removes its ``.tmp`` file and stops with
      an ``OSError`` that names the checkpoint and the one ``--resume`` continues from.
    - The checkpoints that ``max_keep_ckpts`` drops are removed only once training has gone
      on from the new one with a finite loss (the next iteration's): until then the new
      checkpoint is *unconfirmed* (``runner.message_hub.get_info(UNCONFIRMED)``), since an
      update that diverged on the last iteration before a save leaves finite weights whose
      next loss is not. :class:`FiniteLossHook` then names the checkpoint before it. A
      finished run keeps the checkpoint before its last one too: nothing ran after the last
      save. The count holds across resumes: a resumed run removes what the earlier one
      kept, once its own checkpoint is confirmed.
    - The random states of Python, NumPy and torch (CPU and CUDA) are saved with each
      checkpoint and restored on resume, so a single-process run with a fixed seed continues
      with the numbers the uninterrupted run would have drawn (each state is tried on a
      fresh generator first: one that is not a state of its kind is refused by name, and
      nothing is set). In a distributed run the ranks re-seed as at the start, as mmengine
      does.
    - Arguments that mmengine's hook would only pass on at the first save (and fail there,
      after a whole epoch) are refused when the hook is built.
    - mmengine's notices that ``FileClient`` and ``HardDiskBackend`` will be deprecated,
      which it logs as warnings when the hook starts and saves, are logged at the DEBUG
      level.

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

    @staticmethod
    def _file_client_notices_at_debug():
        return logged_at_debug(MMLogger.get_current_instance(), FILE_CLIENT_NOTICES)

    def before_train(self, runner) -> None:
        with self._file_client_notices_at_debug():
            super().before_train(runner)
        runner.message_hub.update_info(UNCONFIRMED, None)
        if self._local() and is_main_process():
            for stale in glob.glob(osp.join(glob.escape(self.out_dir), '*.pth.tmp')):
                os.remove(stale)  # left by a save that was cut off

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        with self._file_client_notices_at_debug():
            self._save_atomically(runner, step, meta)

    def _save_atomically(self, runner, step, meta) -> None:
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
        try:
            runner.save_checkpoint(
                self.out_dir, f'{filename}.tmp', self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler, meta=meta,
                by_epoch=self.by_epoch, backend_args=self.backend_args)
        except OSError as e:  # a full disk: nothing half-written stays behind
            if osp.exists(f'{path}.tmp'):
                os.remove(f'{path}.tmp')
            last = find_resumable_checkpoint(runner.work_dir)
            raise OSError(e.errno, f'could not write the checkpoint {path} ({e.strerror}); '
                          'free some space, then --resume continues from '
                          f'{last or "the start"}') from None
        if self.max_keep_ckpts > 0:
            self.keep_ckpt_ids = deque(keep, self.max_keep_ckpts)
        if not is_main_process():
            return
        os.replace(f'{path}.tmp', path)
        replace_file_atomically(osp.join(runner.work_dir, 'last_checkpoint'), path.encode())
        runner.message_hub.update_info(UNCONFIRMED, path)

    def _remove_superseded(self) -> None:
        """Remove the checkpoints of this work dir that ``max_keep_ckpts`` no longer keeps:
        every ``epoch_N`` (``iter_N``) older than the newest kept one and not kept, including
        those an earlier, resumed run of the work dir left."""
        kept = {self.filename_tmpl.format(step) for step in self.keep_ckpt_ids}
        newest = max(self.keep_ckpt_ids)
        kind = self.filename_tmpl.split('{')[0]
        for path in checkpoint_files(self.out_dir):
            name = osp.basename(path)
            if name.startswith(kind) and name not in kept and checkpoint_step(path) < newest:
                os.remove(path)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if runner.message_hub.get_info(UNCONFIRMED) is not None and _finite(loss_value(outputs)):
            runner.message_hub.update_info(UNCONFIRMED, None)
            if is_main_process() and self.max_keep_ckpts > 0 and self.keep_ckpt_ids:
                self._remove_superseded()
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
        if not isinstance(states, dict):
            raise CheckpointError(f'{RANDOM_STATES} is a {type(states).__name__}, not the '
                                  'random states that training saves')
        restore = [(random.Random().setstate, random.setstate, 'python'),
                   (np.random.RandomState().set_state, np.random.set_state, 'numpy'),
                   (torch.Generator().set_state, torch.set_rng_state, 'torch')]
        for check, _, key in restore:  # on fresh generators first: all or nothing is set
            try:
                check(states[key])
            except (KeyError, TypeError, ValueError, RuntimeError, IndexError) as e:
                raise CheckpointError(
                    f'{RANDOM_STATES}.{key} is not a {key} random state '
                    f'({shown(" ".join(str(e).split()), limit=100)}); resume from a '
                    'checkpoint that training wrote') from None
        for _, apply, key in restore:
            apply(states[key])
        cuda = states.get('cuda')
        if cuda is not None and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda)
