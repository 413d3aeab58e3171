"""Complete an image autoregressively with a SAIM checkpoint and draw it as it proceeds.

    python tools/visualization/complete.py CONFIG CHECKPOINT IMAGE
        [--keep 0.25 | --mask MASK.png] [--order raster|stochastic|center-out|I,J,K,...]
        [--frames 6] [--seed 0] [--out completion.png] [--device cpu]

The image is resized and center-cropped to the model's size. The kept patches are a random
``--keep`` fraction of them, or those at least half white in ``--mask`` (an image, resized
and cropped as the image is). The others are predicted one at a time in ``--order``, each
from the patches before it. The model must be trained with ``head.norm_pix=False``. The PNG
has one row: the image, the order (dark = early; kept patches first), and ``--frames``
stages of the completion, from the kept patches to the whole image.
"""
import torch

from mmsaim.apis import (complete, image_size, load_images, random_visible,
                         visible_from_mask_file)
from mmsaim.cli import (add_model_args, add_order_arg, init_saim_from_args,
                        refuse_overwriting_input, run_tool, tool_parser)
from mmsaim.models.utils import patch_grid
from mmsaim.visualization import completion_figure


def parse_args():
    parser = tool_parser(__doc__)
    add_model_args(parser)
    parser.add_argument('image', help='image file')
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument('--keep', type=float, default=.25,
                      help='fraction of patches kept, drawn at random (default 0.25)')
    kept.add_argument('--mask', help='mask image: white where the patches are kept')
    add_order_arg(parser, default='raster')
    parser.add_argument('--frames', type=int, default=6, help='stages shown (default 6)')
    parser.add_argument('--out', default='completion.png', help='PNG file to write')
    return parser


def main(args):
    refuse_overwriting_input(args.out, args.config, args.checkpoint, args.image, args.mask)
    model = init_saim_from_args(args, [args.image] + ([args.mask] if args.mask else []))
    image = load_images(model, [args.image])[0]
    grid = patch_grid(image.shape, model.backbone.patch_size)
    generator = torch.Generator().manual_seed(args.seed)
    if args.mask:
        visible = visible_from_mask_file(args.mask, image_size(model), grid)
    else:
        visible = random_visible(grid, args.keep, generator)
    completion = complete(model, image, visible, args.order, generator, progress=True)
    completion_figure(model, completion, image, args.frames).save(args.out)
    print(f'wrote {args.out}: {completion.num_visible} of {completion.permutation.numel()} '
          'patches kept, the others predicted')


if __name__ == '__main__':
    run_tool(parse_args(), main)
