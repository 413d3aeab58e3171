r"""Train any mmsaim config (SAIM pretraining, fine-tuning, mmdet and mmseg transfer).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--auto-scale-lr]
                                 [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]

Examples:
    python tools/train.py configs/saim/saim_vit-tiny-p8_1xb32-coslr-12e_folder-64px.py \
        --work-dir work_dirs/demo --cfg-options train_cfg.max_epochs=20
    python tools/train.py CONFIG --work-dir work_dirs/demo --resume     # continue a run
    bash tools/dist_train.sh CONFIG 8                                  # 8 GPUs

A work dir that holds checkpoints is refused unless --resume continues that run, so
earlier checkpoints are never written over. --resume alone takes the newest complete
checkpoint in the work dir; a larger train_cfg.max_epochs then extends the run, following
the config's schedule for the new length from where the run is.
"""
import os.path as osp

import mmsaim  # noqa: F401  (registrations; before anything else)
from mmsaim.cli import add_runner_args, run_tool, tool_parser
from mmsaim.fileio import find_resumable_checkpoint, read_checkpoint
from mmsaim.runner import (build_runner, check_training_work_dir, load_runner_cfg,
                           prepare_runner_cfg)


def parse_args():
    parser = tool_parser(__doc__)
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or from the latest one in the work dir '
        'when no path is given')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate checkpoints during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by the actual total batch size')
    parser.add_argument('--no-persistent-workers', action='store_true',
                        help='turn off persistent workers in every dataloader')
    add_runner_args(parser)
    return parser


def main(args):
    cfg = load_runner_cfg(args.config, args.cfg_options, args.launcher, args.work_dir)
    cfg = prepare_runner_cfg(
        cfg, amp=args.amp, resume=args.resume, auto_scale_lr=args.auto_scale_lr,
        no_validate=args.no_validate, no_persistent_workers=args.no_persistent_workers)
    check_training_work_dir(cfg.work_dir, cfg.get('resume', False), cfg.get('load_from'))
    start = cfg.get('load_from')
    if start is None and cfg.get('resume') and osp.isdir(cfg.work_dir):
        start = find_resumable_checkpoint(cfg.work_dir)
    if start:  # a file the reader refuses is one line before the Runner's log, not after it
        read_checkpoint(start, map_location='cpu')
    build_runner(cfg).train()


if __name__ == '__main__':
    run_tool(parse_args(), main)
