"""mmengine's Runner that never loses earlier work and continues only from what it checked."""
import atexit
import re
import warnings
from typing import Callable, Dict, List, Union

import torch
import torch.distributed as torch_dist
from mmengine.dist import is_distributed
from mmengine.model import is_model_wrapper
from mmengine.optim import _ParamScheduler
from mmengine.registry import RUNNERS
from mmengine.runner import EpochBasedTrainLoop, Runner
from mmengine.runner.checkpoint import _load_checkpoint, _load_checkpoint_to_model

from ..fileio import CheckpointError, checkpoint_files, find_resumable_checkpoint
from .init_report import summarized_init_report
from .resume_checks import check_resumable, flat_scheduler_states
from .work_dir_checks import check_training_work_dir


def _destroy_process_group() -> None:
    if is_distributed():
        torch_dist.destroy_process_group()


@RUNNERS.register_module()
class SafeRunner(Runner):
    """mmengine's ``Runner`` that never loses earlier work and continues only from what it
    checked.

    Every checkpoint it reads is plain data already: ``import mmsaim`` puts the plain-data
    reader behind mmengine's loader for every source (:mod:`mmsaim.fileio`), so this class
    only adds what a file reader cannot know:

    - Training into a work dir that holds ``epoch_*`` / ``iter_*`` checkpoints stops with a
      :class:`WorkDirInUseError` unless the run resumes from that work dir
      (:func:`check_training_work_dir`), instead of writing over them.
    - ``resume`` without a file takes the newest complete checkpoint of the work dir (mmengine
      reads ``last_checkpoint`` alone and otherwise trains over the work dir), and resuming
      checks what it restores (:func:`check_resumable`: counters, seed, message hub,
      optimizer layout, every model weight, scheduler progress), naming the key it refuses.
      Saved scheduler states are loaded only when they plan what the config's schedulers
      plan (mmengine loads them with ``__dict__.update``); any checkpoint must hold some of
      the model's weights.
    - Resuming with a schedule other than the checkpoint's (e.g. a larger
      ``train_cfg.max_epochs``, which moves the end of the schedulers that end with
      training) follows the config's schedule from the iteration reached: every scheduled
      value is what a run planned with the new schedule from the start would have there.
    - ``--launcher pytorch`` on a machine without CUDA trains on CPU processes: a gloo
      process group (the ``nccl`` default cannot start without CUDA), DDP without device
      ids, and the group destroyed at exit (gloo otherwise aborts the interpreter's
      shutdown).
    - mmengine's report of how ``init_weights`` set each parameter (a block per parameter)
      is one line. This is the one private method it overrides (``_init_model_weights``):
      mmengine builds the report there and offers no public place to shorten it.

    Configs select it with ``runner_type = 'SafeRunner'``; every OpenMMLab ``train.py``
    builds a config's ``runner_type`` from the ``RUNNERS`` registry.
    """
    _planned_schedule = None  # the config's schedulers' states, while resuming
    _old_schedule = None  # the checkpoint's, when the config plans another schedule

    @property
    def _cpu_distributed(self) -> bool:
        return self.launcher == 'pytorch' and not torch.cuda.is_available()

    def setup_env(self, env_cfg: Dict) -> None:
        if self._cpu_distributed and not is_distributed():
            backend = env_cfg.get('dist_cfg', {}).get('backend', 'nccl')
            if backend != 'gloo':
                warnings.warn(f'The {backend} backend needs CUDA, which is not available; '
                              'using gloo. Set env_cfg.dist_cfg.backend=gloo to say so.')
            torch_dist.init_process_group(backend='gloo')
            atexit.register(_destroy_process_group)
        super().setup_env(env_cfg)

    def wrap_model(self, model_wrapper_cfg, model):
        if self._cpu_distributed and model_wrapper_cfg is None:
            # mmengine's default passes device_ids=[LOCAL_RANK], which DDP refuses on CPU.
            model_wrapper_cfg = dict(
                type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False,
                find_unused_parameters=self.cfg.get('find_unused_parameters', False))
        return super().wrap_model(model_wrapper_cfg, model)

    def _init_model_weights(self) -> None:
        model = self.model.module if is_model_wrapper(self.model) else self.model
        with summarized_init_report(model):
            super()._init_model_weights()

    def train(self):
        check_training_work_dir(self.work_dir, self._resume, self._load_from)
        return super().train()

    def load_or_resume(self) -> None:
        if self._resume and self._load_from is None and not self._has_loaded:
            self._load_from = find_resumable_checkpoint(self.work_dir)
            if self._load_from is None:
                cut_off = checkpoint_files(self.work_dir)
                if cut_off:
                    raise CheckpointError(
                        f'--resume: no complete checkpoint in {self.work_dir}; '
                        f'{", ".join(cut_off)} were cut off while being written. Move them '
                        'away to train from scratch.')
                self.logger.info(f'--resume: no checkpoint in {self.work_dir} yet; '
                                 'training from scratch')
                self._resume = False
            else:
                self.logger.info(f'resuming from {self._load_from}')
        super().load_or_resume()

    def load_checkpoint(self, filename: str, map_location: Union[str, Callable] = 'cpu',
                        strict: bool = False, revise_keys: list = [(r'^module.', '')]):
        checkpoint = _load_checkpoint(filename, map_location=map_location)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        weights = _weight_names(checkpoint, revise_keys)
        if not weights & set(model.state_dict()):
            raise CheckpointError(
                f'{filename} holds none of the weights of this config\'s model; give a '
                'checkpoint of this model (or, for an encoder, its init_cfg)')
        if self._planned_schedule is not None and not check_resumable(
                filename, checkpoint, sorted(set(model.state_dict()) - weights),
                self._planned_schedule):
            # mmengine would load the saved states into the config's schedulers as they
            # are (their __dict__ updated with whatever the file holds); they stay fresh.
            self._old_schedule = checkpoint.pop('param_schedulers', [])
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        checkpoint = _load_checkpoint_to_model(model, checkpoint, strict,
                                               revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def _schedulers(self) -> List[_ParamScheduler]:
        live = self.param_schedulers or []
        schedulers = [s for group in live.values() for s in group] if isinstance(
            live, dict) else list(live)
        return [s for s in schedulers if isinstance(s, _ParamScheduler)]

    def resume(self, filename: str, resume_optimizer: bool = True,
               resume_param_scheduler: bool = True,
               map_location: Union[str, Callable] = 'default') -> None:
        schedulers = self._schedulers() if resume_param_scheduler else []
        values = [_scheduled_values(s) for s in schedulers]
        self._planned_schedule = [s.state_dict() for s in schedulers]
        try:
            super().resume(filename, resume_optimizer, resume_param_scheduler, map_location)
        finally:
            self._planned_schedule = None
        if self._old_schedule is not None and schedulers:
            self._advance_schedule(schedulers, values)
        self._old_schedule = None

    def _advance_schedule(self, schedulers: List[_ParamScheduler], values: List) -> None:
        """Advance the config's (fresh) schedulers to the iteration reached, as
        :class:`ParamSchedulerHook` would have; the optimizer state loaded from the
        checkpoint holds the old schedule's values, which are set back first."""
        for scheduler, scheduler_values in zip(schedulers, values):
            for group, group_values in zip(scheduler.optimizer.param_groups, scheduler_values):
                group.update(group_values)
        iters_per_epoch = (len(self.train_dataloader) if isinstance(
            self.train_loop, EpochBasedTrainLoop) else None)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # "scheduler.step() before optimizer.step()"
            for it in range(1, self.iter + 1):
                for scheduler in schedulers:
                    if not scheduler.by_epoch:
                        scheduler.step()
                if iters_per_epoch and it % iters_per_epoch == 0:
                    for scheduler in schedulers:
                        if scheduler.by_epoch:
                            scheduler.step()
        self.logger.warning(
            f'The config schedules {", ".join(sorted({s.param_name for s in schedulers}))} '
            f'differently from the checkpoint (scheduler ends {_ends(self._old_schedule)} -> '
            f'{_ends([s.state_dict() for s in schedulers])}): following the config\'s '
            f'schedule from iteration {self.iter}, as if the run had been planned with it '
            'from the start.')


def _weight_names(checkpoint: dict, revise_keys: list) -> set:
    """The parameter names a checkpoint gives the model, as mmengine revises them."""
    names = set()
    for name in checkpoint.get('state_dict', checkpoint):
        for pattern, replacement in revise_keys:
            name = re.sub(pattern, replacement, name)
        names.add(name)
    return names


def _ends(states) -> list:
    return [s.get('end') if isinstance(s, dict) else None for s in flat_scheduler_states(states)]


def _scheduled_values(scheduler: _ParamScheduler) -> List[dict]:
    """The values a scheduler sets, and their initial values, in each parameter group."""
    name = scheduler.param_name
    return [{name: g[name], f'initial_{name}': g[f'initial_{name}']}
            for g in scheduler.optimizer.param_groups]
