"""Convert a checkpoint of the public SAIM release to an mmsaim SAIM checkpoint.

    python tools/model_converters/saim_to_mmsaim.py RELEASE.pth OUT.pth [--blur-sigma 1]

The release's names (timm-style, separate ``attn.q / k / v``, ``blocks.N``,
``query_blocks.N``, ``prediction_head``, ``norm``) map to mmsaim's as ``mmsaim/converters.py``
lists. The release's final ``norm`` is the
norm its pretraining applies to the query stream before the prediction head, so it becomes
``head.norm``; it also becomes the encoder's final norm ``backbone.ln1``, as the release's
linear-probe and fine-tuning code load it. ``gaussian_blur.weight`` is checked against
mmsaim's kernel of that size and ``--blur-sigma`` (an error if it differs) and dropped.
Unknown keys stop the conversion (``--skip-unknown`` drops them instead).

The result ``{'state_dict': ...}`` loads with every key into a SAIM config of the same shape
whose ``head.blur`` is the release's kernel, and as the encoder of any config with
``init_cfg=dict(type='Pretrained', checkpoint=OUT, prefix='backbone.')``.
"""
import torch

from mmsaim.cli import refuse_overwriting_input, run_tool, tool_parser
from mmsaim.converters import load_checkpoint_weights, saim_release_to_mmsaim


def parse_args():
    parser = tool_parser(__doc__)
    parser.add_argument('src', help='checkpoint of the SAIM release')
    parser.add_argument('dst', help='output path')
    parser.add_argument('--blur-sigma', type=float, default=1.,
                        help="sigma of the release's Gaussian target (its --gaussian_sigma)")
    parser.add_argument('--skip-unknown', action='store_true', help='drop unmapped keys')
    return parser


def main(args):
    refuse_overwriting_input(args.dst, args.src)
    weights = load_checkpoint_weights(args.src)
    if not any(key.startswith('query_blocks.') for key in weights):
        raise ValueError(f'{args.src} holds no query stream (query_blocks.N), so it is not a '
                         'pretraining checkpoint of the SAIM release (its keys are like '
                         f'{sorted(weights)[:3]}); timm ViT weights convert with '
                         'timm_to_mmsaim.py')
    state_dict = saim_release_to_mmsaim(weights, args.blur_sigma, args.skip_unknown)
    torch.save({'state_dict': state_dict}, args.dst)
    print(f'{len(state_dict)} tensors written to {args.dst}')


if __name__ == '__main__':
    run_tool(parse_args(), main)
