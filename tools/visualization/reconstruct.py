"""Draw the SAIM reconstruction picture of a pretraining checkpoint for some images.

    python tools/visualization/reconstruct.py CONFIG CHECKPOINT IMAGE [IMAGE ...]
        [--out reconstruction.png] [--img-size 224] [--seed 0] [--device cpu]

Each row: the image (center crop), the random prediction order (dark = early), the smoothed
target, and the prediction of every patch from the patches before it.
"""
import argparse
import os.path as osp

import mmsaim  # noqa: F401  (stack fixes and registrations)
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmpretrain.registry import MODELS

from mmsaim.visualization import load_images, save_reconstruction


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='SAIM pretraining config')
    parser.add_argument('checkpoint', help='checkpoint of that config')
    parser.add_argument('images', nargs='+', help='image files')
    parser.add_argument('--out', default='reconstruction.png', help='PNG file to write')
    parser.add_argument('--img-size', type=int, help='crop size (default: the model\'s)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the order shown')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if cfg.model.get('type') != 'SAIM':
        raise SystemExit(f'{args.config} is not a SAIM pretraining config '
                         f'(model type {cfg.model.get("type")!r})')
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model.to(args.device).eval()
    img_size = args.img_size or model.backbone.patch_resolution[0] * model.backbone.patch_size
    for path in args.images:
        if not osp.isfile(path):
            raise SystemExit(f'No such image: {path}')
    images = load_images(model, args.images, img_size)
    save_reconstruction(model, images, args.out, args.seed)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
