"""Convert the SAIM encoder of an mmsaim (or mmpretrain ViT) checkpoint to timm's or mmseg's names.

    python tools/model_converters/export_encoder.py CHECKPOINT OUT.pth --to timm
    python tools/model_converters/export_encoder.py CHECKPOINT OUT.pth --to mmseg

CHECKPOINT is a SAIM pretraining checkpoint (the encoder is taken from under ``backbone.``;
the query stream and the head are pretraining-only and left out) or encoder-only weights.
OUT is a plain state dict (the key tables: ``mmsaim/converters.py``).

timm: it loads with every key into timm's ViT of the same shape::

    from timm.models.vision_transformer import VisionTransformer
    vit = VisionTransformer(img_size=224, patch_size=16, embed_dim=768, depth=12,
                            num_heads=12, num_classes=0)
    vit.load_state_dict(torch.load('OUT.pth', weights_only=True))

mmseg: its stock ``VisionTransformer`` names attention differently (``attn.attn.in_proj_*``,
``attn.attn.out_proj``), reads no ``backbone.`` prefix and loads with ``strict=False``, so an
unconverted SAIM checkpoint loads none of its weights, silently. OUT loads every encoder
weight into a backbone built with ``patch_bias=True`` (SAIM's patch projection has a bias),
``final_norm=True`` and SAIM's LayerNorm eps::

    backbone=dict(type='VisionTransformer', img_size=512, patch_size=16, embed_dims=768,
                  num_layers=12, num_heads=12, patch_bias=True, final_norm=True,
                  norm_cfg=dict(type='LN', eps=1e-6),
                  init_cfg=dict(type='Pretrained', checkpoint='OUT.pth'))
"""
import torch

from mmsaim.cli import refuse_overwriting_input, run_tool, tool_parser
from mmsaim.converters import (encoder_state_dict, load_checkpoint_weights, mmpretrain_to_mmseg,
                               mmpretrain_to_timm)

CONVERTERS = {'timm': mmpretrain_to_timm, 'mmseg': mmpretrain_to_mmseg}


def parse_args():
    parser = tool_parser(__doc__)
    parser.add_argument('src', help='mmsaim / mmpretrain checkpoint')
    parser.add_argument('dst', help='output path (a plain state dict)')
    parser.add_argument('--to', required=True, choices=list(CONVERTERS),
                        help='the library whose ViT names to write')
    return parser


def main(args):
    refuse_overwriting_input(args.dst, args.src)
    state_dict = CONVERTERS[args.to](encoder_state_dict(load_checkpoint_weights(args.src)))
    if not state_dict:
        raise ValueError(f'{args.src} holds no weights; give a SAIM or mmpretrain checkpoint')
    torch.save(state_dict, args.dst)
    print(f'{len(state_dict)} tensors in {args.to} names written to {args.dst}')


if __name__ == '__main__':
    run_tool(parse_args(), main)
