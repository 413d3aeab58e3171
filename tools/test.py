r"""Evaluate a checkpoint with any mmsaim config (classification, detection, segmentation).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE] [--show-dir DIR]
                         [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]

Examples:
    python tools/test.py configs/upernet/upernet_vit-tiny-p8-saim-demo_1xb4-500it_camvid-160x160.py \
        work_dirs/upernet_camvid/iter_500.pth --out metrics.json
    python tools/test.py configs/mask_rcnn/mask-rcnn_vit-tiny-p8-saim-demo_1xb2-300it_droplets.py \
        work_dirs/droplets/iter_300.pth --show-dir work_dirs/droplets/pictures
    bash tools/dist_test.sh CONFIG CHECKPOINT 8

The checkpoint must hold every weight of the config's model with its shape, so a SAIM
pretraining checkpoint is refused by a fine-tuning or transfer config (train that config
from it first). On a pretraining config the test reports the held-out loss (``MeanLoss``).
--show-dir draws the predictions on every test image into DIR, with the visualization hook of
the config's ``default_hooks`` (mmdet's, mmseg's or mmpretrain's), as their test.py does.
"""
import os.path as osp

import mmsaim  # noqa: F401  (registrations; before anything else)
from mmengine.config import Config
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
    parser.add_argument('--show-dir', help='draw the predictions on every test image into this '
                        'folder')
    add_runner_args(parser)
    return parser


# The formats mmengine's dump writes, by extension.
OUT_FORMATS = ('.json', '.yaml', '.yml', '.pkl', '.pickle')
# The visualization hook of each library's default_hooks, by the config's default_scope.
VISUALIZATION_HOOKS = dict(mmdet='DetVisualizationHook', mmseg='SegVisualizationHook',
                           mmpretrain='VisualizationHook')


def show_test_images(cfg: Config, config: str, show_dir: str) -> None:
    """Make the visualization hook of ``cfg`` draw every test image into ``show_dir``, with
    the settings that the ``tools/test.py --show-dir`` of the hook's library gives it.

    Raises:
        ConfigError: ``cfg`` has no visualization hook in ``default_hooks``.
    """
    hook = (cfg.get('default_hooks') or {}).get('visualization')
    if not hook:
        kind = VISUALIZATION_HOOKS.get(cfg.get('default_scope'), 'VisualizationHook')
        raise ConfigError(f'--show-dir: {config} has no visualization hook in default_hooks; '
                          f'add one with --cfg-options default_hooks.visualization.type={kind}')
    hook.interval = 1
    show_dir = osp.abspath(show_dir)
    if hook.type.endswith(VISUALIZATION_HOOKS['mmdet']):
        hook.update(draw=True, test_out_dir=show_dir)
    elif hook.type.endswith(VISUALIZATION_HOOKS['mmseg']):
        hook.draw = True
        cfg.visualizer.save_dir = show_dir  # the hook writes through the visualizer
    else:
        hook.update(enable=True, out_dir=show_dir)


def main(args):
    if args.out:
        refuse_overwriting_input(args.out, args.config, args.checkpoint)
        if osp.splitext(args.out)[1] not in OUT_FORMATS:
            raise ValueError(f'--out {args.out}: give a file ending in one of '
                             f'{", ".join(OUT_FORMATS)} (the metrics are written as that)')
    cfg = load_runner_cfg(args.config, args.cfg_options, args.launcher, args.work_dir)
    if args.show_dir:
        show_test_images(cfg, args.config, args.show_dir)
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
