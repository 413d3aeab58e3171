"""Train any mmsaim config (SAIM pretraining, fine-tuning, mmdet and mmseg transfer).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--auto-scale-lr]
                                 [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse

import mmsaim  # noqa: F401  (stack fixes and registrations; before anything else)
from mmengine.runner import Runner

from mmsaim.apis import add_runner_args, load_runner_cfg, prepare_runner_cfg


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model with an mmsaim config')
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
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = prepare_runner_cfg(
        load_runner_cfg(args), amp=args.amp, resume=args.resume,
        auto_scale_lr=args.auto_scale_lr, no_validate=args.no_validate,
        no_persistent_workers=args.no_persistent_workers)
    Runner.from_cfg(cfg).train()


if __name__ == '__main__':
    main()
