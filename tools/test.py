"""Evaluate a checkpoint with any mmsaim config (classification, detection, segmentation).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
                         [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]

The checkpoint must hold every weight of the config's model with its shape: a SAIM
pretraining checkpoint (an encoder only) is refused with a message saying so.
"""
import argparse

import mmsaim  # noqa: F401  (stack fixes and registrations; before anything else)
from mmengine.fileio import dump
from mmengine.runner import Runner

from mmsaim.apis import add_runner_args, load_runner_cfg, load_trained_weights, prepare_runner_cfg
from mmsaim.runner import CheckpointError


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
    cfg.resume, cfg.load_from = False, None
    runner = Runner.from_cfg(prepare_runner_cfg(cfg))
    try:
        load_trained_weights(runner.model, args.checkpoint, args.config)
    except CheckpointError as e:
        raise SystemExit(str(e)) from None
    metrics = runner.test()
    if args.out:
        dump(metrics, args.out)


if __name__ == '__main__':
    main()
