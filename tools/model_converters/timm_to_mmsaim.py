"""Convert timm ViT weights to an mmsaim / mmpretrain encoder checkpoint.

    python tools/model_converters/timm_to_mmsaim.py TIMM.pth|TIMM.safetensors OUT.pth

OUT is ``{'state_dict': ...}`` with the encoder under ``backbone.`` (``--prefix`` changes it),
as SAIM and mmpretrain checkpoints hold it; it loads into mmpretrain's ``VisionTransformer``
(and mmsaim's ``SAIMViT``) with ``init_cfg=dict(type='Pretrained', checkpoint=OUT,
prefix='backbone.')``. A classifier's ``head`` and ``fc_norm`` are not encoder weights:
``--skip-unknown`` drops them.
"""
import torch

from mmsaim.cli import refuse_overwriting_input, run_tool, tool_parser
from mmsaim.converters import load_checkpoint_weights, timm_to_mmpretrain


def parse_args():
    parser = tool_parser(__doc__)
    parser.add_argument('src', help='timm ViT weights (.pth or .safetensors)')
    parser.add_argument('dst', help='output path')
    parser.add_argument('--prefix', default='backbone.', help='prefix of the encoder keys')
    parser.add_argument('--skip-unknown', action='store_true', help='drop non-encoder keys')
    return parser


def main(args):
    refuse_overwriting_input(args.dst, args.src)
    weights = load_checkpoint_weights(args.src)
    encoder = timm_to_mmpretrain(weights, args.skip_unknown)
    if not encoder:
        raise ValueError(f'{args.src} holds no timm ViT encoder weight (its keys are like '
                         f'{sorted(weights)[:3]}); give the weights of a timm '
                         'VisionTransformer')
    torch.save({'state_dict': {args.prefix + k: v for k, v in encoder.items()}}, args.dst)
    print(f'{len(encoder)} tensors written to {args.dst}')


if __name__ == '__main__':
    run_tool(parse_args(), main)
