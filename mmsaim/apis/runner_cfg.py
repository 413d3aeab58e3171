import argparse
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import print_log

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """The arguments ``tools/train.py`` and ``tools/test.py`` share (mmpretrain's names)."""
    parser.add_argument('--work-dir', help='the dir to save logs, checkpoints and metrics')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, e.g. model.backbone.arch=tiny')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_runner_cfg(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply ``--cfg-options``, ``--launcher`` and ``--work-dir``.

    Without ``--work-dir`` (or ``work_dir`` in the config) the work dir is
    ``./work_dirs/<config name>``.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg


def prepare_runner_cfg(cfg: Config,
                       amp: bool = False,
                       resume: Optional[str] = None,
                       auto_scale_lr: bool = False,
                       no_validate: bool = False,
                       no_persistent_workers: bool = False) -> Config:
    """Apply the command-line switches of ``tools/train.py`` / ``tools/test.py`` to ``cfg``.

    Args:
        amp: train with ``AmpOptimWrapper`` (dynamic loss scale).
        resume: ``'auto'`` resumes from the latest checkpoint in the work dir, a path from
            that checkpoint; ``None`` leaves the config's own ``resume`` setting.
        auto_scale_lr: scale the lr by the actual total batch size (needs ``auto_scale_lr``).
        no_validate: drop validation during training.
        no_persistent_workers: turn off ``persistent_workers`` in every dataloader.

    A distributed launch on a machine without CUDA switches the backend to gloo.
    """
    if amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper == 'OptimWrapper':
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        elif wrapper != 'AmpOptimWrapper':
            print_log(f'--amp ignored: the config already uses {wrapper}', logger='current')
    if resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif resume is not None:
        if not osp.isfile(resume):
            raise FileNotFoundError(f'--resume {resume}: no such checkpoint; pass a .pth '
                                    'file, or --resume alone for the latest in the work dir')
        cfg.resume, cfg.load_from = True, resume
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
    if cfg.get('launcher', 'none') != 'none' and not torch.cuda.is_available():
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    return cfg
