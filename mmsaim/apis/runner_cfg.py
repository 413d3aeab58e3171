"""The config handling that ``tools/train.py`` and ``tools/test.py`` share."""
import argparse
import inspect
import os
import os.path as osp
from typing import Any, Iterator, Optional, Tuple

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner, load_state_dict

from ..runner import (CheckpointError, checkpoint_files, find_resumable_checkpoint,
                      load_checkpoint_file)
from ..runner.pretrained_encoder import mismatches

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# The top-level config keys the Runner reads; other top-level names are the config file's
# own variables, already used when the file was read.
RUNNER_KEYS = (set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}) | {
    'runner_type', 'model_wrapper_cfg', 'custom_imports', 'default_scope', 'sync_bn',
    'find_unused_parameters', 'activation_checkpointing', 'efficient_conv_bn_eval', 'compile'
}


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """The arguments ``tools/train.py`` and ``tools/test.py`` share (mmpretrain's names)."""
    parser.add_argument('--work-dir', help='the dir to save logs, checkpoints and metrics')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, e.g. model.backbone.arch=tiny')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def _leaves(node: Any, path: str = '') -> Iterator[Tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f'{path}.{key}' if path else key)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _leaves(value, f'{path}.{i}')
    else:
        yield path, node


def check_cfg_options(cfg: Config, options: dict, config_file: str) -> None:
    """Refuse ``--cfg-options`` that set a variable of the config file.

    ``img_size=128`` on the command line changes the top-level name ``img_size`` after the
    file has been read, so nothing that was built from it changes. The error lists the
    settings that hold the variable's value, which are what to override instead.
    """
    for key in options:
        name = key.split('.')[0]
        if name in RUNNER_KEYS or name not in cfg:
            continue
        value, hint = cfg[name], ''
        if not isinstance(value, (dict, list)):
            runner_part = {k: v for k, v in cfg.items() if k in RUNNER_KEYS}
            users = [path for path, leaf in _leaves(runner_part)
                     if type(leaf) is type(value) and leaf == value]
            if users:
                hint = f'; the settings that hold its value {value!r} are {", ".join(users[:8])}'
        raise SystemExit(
            f'--cfg-options {key}={options[key]}: `{name}` is a variable of {config_file} that was used when '
            f'the file was read, so changing it changes nothing{hint}. Override those '
            'settings instead (see "Change settings" in the README).')


def load_runner_cfg(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply ``--cfg-options``, ``--launcher`` and ``--work-dir``.

    Without ``--work-dir`` (or ``work_dir`` in the config) the work dir is
    ``./work_dirs/<config name>``. A config that needs an unset environment variable, and an
    option that sets a variable of the config file, stop with one line saying so.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    try:
        cfg = Config.fromfile(args.config)
    except KeyError as e:  # mmengine's error for an unset `{{$VAR:}}`
        raise SystemExit(f'{args.config}: {e.args[0]}') from None
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        check_cfg_options(cfg, args.cfg_options, args.config)
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg


def resolve_resume(cfg: Config) -> None:
    """Turn "resume from the latest checkpoint" into the checkpoint file, or into none.

    mmengine's own lookup reads only ``last_checkpoint`` and, without it, trains from scratch
    over the checkpoints in the work dir. Here the newest complete ``epoch_*`` / ``iter_*``
    file is taken when ``last_checkpoint`` is missing or names a cut-off file; a work dir
    whose checkpoints are all cut off is an error; an empty one starts from scratch.
    """
    checkpoint = find_resumable_checkpoint(cfg.work_dir)
    if checkpoint is not None:
        cfg.resume, cfg.load_from = True, checkpoint
        print_log(f'resuming from {checkpoint}', logger='current')
        return
    leftovers = checkpoint_files(cfg.work_dir)
    if leftovers:
        raise SystemExit(f'--resume: no complete checkpoint in {cfg.work_dir}; '
                         f'{", ".join(leftovers)} were cut off while being written. Move '
                         'them away to start from scratch.')
    cfg.resume = False
    print_log(f'--resume: no checkpoint in {cfg.work_dir} yet; training from scratch',
              logger='current')


def drop_schedulers_after_training(cfg: Config) -> None:
    """Leave out parameter schedulers that would begin after training ends.

    The configs let schedulers end with training (``end`` left to the Runner, which takes
    ``train_cfg.max_epochs`` / ``max_iters``), so ``--cfg-options train_cfg.max_epochs=N``
    rescales the schedule; a run shorter than the warm-up would otherwise stop at the
    scheduler after it, whose ``begin`` is not before its ``end``.
    """
    schedulers = cfg.get('param_scheduler')
    if not isinstance(schedulers, list):
        return
    train_cfg = cfg.get('train_cfg') or {}
    length = {True: train_cfg.get('max_epochs'), False: train_cfg.get('max_iters')}
    kept = []
    for scheduler in schedulers:
        end_of_training = length[scheduler.get('by_epoch', True)]
        if end_of_training is not None and scheduler.get('begin', 0) >= end_of_training:
            print_log(f'{scheduler["type"]} begins at {scheduler["begin"]}, after training '
                      f'ends ({end_of_training}): left out', logger='current')
        else:
            kept.append(scheduler)
    cfg.param_scheduler = kept


def prepare_runner_cfg(cfg: Config,
                       amp: bool = False,
                       resume: Optional[str] = None,
                       auto_scale_lr: bool = False,
                       no_validate: bool = False,
                       no_persistent_workers: bool = False) -> Config:
    """Apply the command-line switches of ``tools/train.py`` / ``tools/test.py`` to ``cfg``.

    Args:
        amp: train with ``AmpOptimWrapper`` (dynamic loss scale).
        resume: ``'auto'`` resumes from the latest complete checkpoint in the work dir (see
            :func:`resolve_resume`; the same for a config with ``resume = True`` and no
            ``load_from``), a path from that checkpoint; ``None`` leaves the config's own
            ``resume`` setting.
        auto_scale_lr: scale the lr by the actual total batch size (needs ``auto_scale_lr``).
        no_validate: drop validation during training.
        no_persistent_workers: turn off ``persistent_workers`` in every dataloader.
    """
    if amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper == 'OptimWrapper':
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        elif wrapper != 'AmpOptimWrapper':
            print_log(f'--amp ignored: the config already uses {wrapper}', logger='current')
    if resume is not None and resume != 'auto':
        if not osp.isfile(resume):
            raise FileNotFoundError(f'--resume {resume}: no such checkpoint; pass a .pth '
                                    'file, or --resume alone for the latest in the work dir')
        cfg.resume, cfg.load_from = True, resume
    elif resume == 'auto' or (cfg.get('resume') and not cfg.get('load_from')):
        resolve_resume(cfg)
    drop_schedulers_after_training(cfg)
    if auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise ValueError('--auto-scale-lr needs `auto_scale_lr = dict(base_batch_size=N)` '
                             'in the config: N is the total batch size its lr was set for')
        cfg.auto_scale_lr.enable = True
    if no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    for name in DATALOADERS:
        loader = cfg.get(name)
        if loader is None:
            continue
        if no_persistent_workers or loader.get('num_workers', 0) == 0:
            loader.persistent_workers = False
    return cfg


def load_trained_weights(model, checkpoint: str, config: str) -> None:
    """Load a checkpoint that holds every weight of ``model`` with its shape.

    Used by ``tools/test.py`` and :func:`mmsaim.apis.init_model`: mmengine's non-strict
    ``load_from`` evaluates a model with random weights (mAP 0, exit 0) when given, say, a
    pretraining checkpoint.

    Raises:
        CheckpointError: the checkpoint lacks weights of the model or has other shapes (the
            message names them), or :func:`load_checkpoint_file` refuses the file.
    """
    model = model.module if is_model_wrapper(model) else model
    loaded = load_checkpoint_file(checkpoint, map_location='cpu')
    state = loaded.get('state_dict', loaded)
    missing, shapes = mismatches(model.state_dict(), state)
    if missing or shapes:
        held = sorted({k.split('.')[0] for k in state})
        raise CheckpointError(
            f'{checkpoint} does not fit the model of {config}: {len(missing)} of its '
            f'{len(model.state_dict())} weights are missing (e.g. {missing[:2]}) and '
            f'{len(shapes)} have other shapes (e.g. {shapes[:2]}); the checkpoint holds '
            f'{held}. A SAIM pretraining checkpoint holds an encoder only: train this config '
            'from it (its init_cfg) and use the checkpoint that training writes.')
    load_state_dict(model, state, strict=True)
