"""Draw what chosen patches attend to in the last block of SAIM's content and query streams.

    python tools/visualization/attention_maps.py CONFIG CHECKPOINT IMAGE
        [--patches I J ...] [--order stochastic|raster|center-out|I,J,K,...] [--seed 0]
        [--out attention.png] [--device cpu]

The image is resized and center-cropped to the model's size. One row per patch (raster
numbering; default: the centre patch and the patches a quarter in from two corners): the image
with the patch outlined, the order (dark = early), and the attention, mean over heads, of the
patch's content token and of its query over the image, under that order's masks as in
pretraining (the paper's Fig. 2). A model without a query stream (ViT-iGPT) has the content
column only.
"""
import torch

from mmsaim.apis import attention_maps, load_images
from mmsaim.cli import (add_model_args, add_order_arg, init_saim_from_args,
                        refuse_overwriting_input, run_tool, tool_parser)
from mmsaim.models.utils import patch_grid
from mmsaim.visualization import attention_figure


def default_patches(grid):
    """The centre patch and the patches a quarter of the way in from the top-left and the
    bottom-right corners."""
    h, w = grid
    return [(h // 2) * w + w // 2, (h // 4) * w + w // 4, (3 * h // 4) * w + 3 * w // 4]


def parse_args():
    parser = tool_parser(__doc__)
    add_model_args(parser)
    parser.add_argument('image', help='image file')
    parser.add_argument('--patches', type=int, nargs='+',
                        help='patches to show, raster numbering (row * columns + column)')
    add_order_arg(parser, default='stochastic')
    parser.add_argument('--out', default='attention.png', help='PNG file to write')
    return parser


def main(args):
    refuse_overwriting_input(args.out, args.config, args.checkpoint, args.image)
    model = init_saim_from_args(args, [args.image])
    image = load_images(model, [args.image])
    grid = patch_grid(image.shape, model.backbone.patch_size)
    patches = args.patches or default_patches(grid)
    bad = [i for i in patches if not 0 <= i < grid[0] * grid[1]]
    if bad:
        raise ValueError(f'--patches {bad}: the image has {grid[0]}x{grid[1]} patches, '
                         f'numbered 0..{grid[0] * grid[1] - 1} row by row')
    maps = attention_maps(model, image, args.order, torch.Generator().manual_seed(args.seed))
    attention_figure(model, image[0], maps, patches).save(args.out)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    run_tool(parse_args(), main)
