"""Evaluate a checkpoint with any mmsaim config (classification, detection, segmentation).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
                         [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse

import mmsaim  # noqa: F401  (stack fixes and registrations; before anything else)
from mmengine.fileio import dump
from mmengine.runner import Runner

from mmsaim.apis import add_runner_args, load_runner_cfg, prepare_runner_cfg


def parse_args():
    parser = argparse.ArgumentParser(description='Test a checkpoint with an mmsaim config')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='dump the metrics to this json/yaml/pickle file')
    add_runner_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_runner_cfg(args)
    if cfg.get('test_dataloader') is None:
        raise SystemExit(f'{args.config} defines no test_dataloader: pretraining configs '
                         'have nothing to evaluate; use a fine-tuning or transfer config.')
    cfg.load_from = args.checkpoint
    metrics = Runner.from_cfg(prepare_runner_cfg(cfg)).test()
    if args.out:
        dump(metrics, args.out)


if __name__ == '__main__':
    main()
