"""Evaluate a checkpoint with any mmsaim config (classification, detection, segmentation).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
                         [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]

Examples:
    python tools/test.py configs/upernet/upernet_vit-tiny-p8-saim-demo_1xb4-500it_camvid-160x160.py \
        work_dirs/upernet_camvid/iter_500.pth --out metrics.json
    bash tools/dist_test.sh CONFIG CHECKPOINT 8

The checkpoint must hold every weight of the config's model with its shape, so a SAIM
pretraining checkpoint is refused by a fine-tuning or transfer config (train that config
from it first). On a pretraining config the test reports the held-out loss (``MeanLoss``).
"""
import os.path as osp

import mmsaim  # noqa: F401  (registrations; before anything else)
from mmengine.fileio import dump

from mmsaim.apis import load_trained_weights
from mmsaim.cli import (add_runner_args, output_file, refuse_overwriting_input, run_tool,
                        tool_parser)
from mmsaim.fileio import read_checkpoint
from mmsaim.runner import ConfigError, build_runner, load_runner_cfg, prepare_runner_cfg


def parse_args():
    parser = tool_parser(__doc__)
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file or URL')
    parser.add_argument('--out', help='dump the metrics to this json/yaml/pickle file')
    add_runner_args(parser)
    return parser


# The formats mmengine's dump writes, by extension.
OUT_FORMATS = ('.json', '.yaml', '.yml', '.pkl', '.pickle')


def main(args):
    if args.out:
        refuse_overwriting_input(args.out, args.config, args.checkpoint)
        if osp.splitext(args.out)[1] not in OUT_FORMATS:
            raise ValueError(f'--out {args.out}: give a file ending in one of '
                             f'{", ".join(OUT_FORMATS)} (the metrics are written as that)')
    cfg = load_runner_cfg(args.config, args.cfg_options, args.launcher, args.work_dir)
    if cfg.get('test_dataloader') is None:
        raise ConfigError(f'{args.config} defines no test_dataloader, test_cfg and '
                          'test_evaluator; add them (configs/saim/_base_/datasets/'
                          'imagenet_bs256_saim.py shows them for pretraining)')
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'no such checkpoint: {args.checkpoint}')
    checkpoint = read_checkpoint(args.checkpoint, map_location='cpu')  # before the log
    cfg.resume, cfg.load_from = False, None
    runner = build_runner(prepare_runner_cfg(cfg))
    load_trained_weights(runner.model, checkpoint, args.config, args.checkpoint)
    metrics = runner.test()
    if args.out:
        dump(metrics, output_file(args.out))


if __name__ == '__main__':
    run_tool(parse_args(), main)
