"""Draw the SAIM reconstruction picture of a pretraining checkpoint for some images.

    python tools/visualization/reconstruct.py CONFIG CHECKPOINT IMAGE [IMAGE ...]
        [--out reconstruction.png] [--img-size 224] [--seed 0] [--device cpu]

Each row: the image (center crop), the random prediction order (dark = early), the smoothed
target, and the prediction of every patch from the patches before it.
"""
from mmsaim.apis import load_images
from mmsaim.cli import (add_model_args, init_saim_from_args, refuse_overwriting_input,
                        run_tool, tool_parser)
from mmsaim.visualization import reconstruction_figure


def parse_args():
    parser = tool_parser(__doc__)
    add_model_args(parser)
    parser.add_argument('images', nargs='+', help='image files')
    parser.add_argument('--out', default='reconstruction.png', help='PNG file to write')
    parser.add_argument('--img-size', type=int, help='crop size (default: the model\'s)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the order shown')
    return parser


def main(args):
    refuse_overwriting_input(args.out, args.config, args.checkpoint, *args.images)
    model = init_saim_from_args(args, args.images)
    images = load_images(model, args.images, args.img_size)
    reconstruction_figure(model, images, args.seed).save(args.out)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    run_tool(parse_args(), main)
