"""Convert a checkpoint of the public SAIM release (timm-style names) to mmsaim's names.

    python tools/model_converters/saim_to_mmsaim.py SRC.pth DST.pth [--skip-unknown]

Release names -> mmsaim names:
    cls_token, pos_embed                 -> backbone.cls_token, backbone.pos_embed
    patch_embed.proj.*                   -> backbone.patch_embed.projection.*
    blocks.N.norm1 / norm2               -> backbone.layers.N.ln1 / ln2
    blocks.N.attn.q|k|v (separate)       -> backbone.layers.N.attn.qkv (concatenated q, k, v)
    blocks.N.attn.proj                   -> backbone.layers.N.attn.proj
    blocks.N.mlp.fc1 / fc2               -> backbone.layers.N.ffn.layers.0.0 / ffn.layers.1
    norm                                 -> backbone.ln1
    query_blocks.N.*                     -> neck.layers.N.* (same block mapping)
    query_norm | decoder_norm            -> head.norm
    prediction_head.fc1|0 / fc2|2        -> head.predictor.0 / head.predictor.2

The result is ``{'state_dict': ...}``: load it as a SAIM model, or give it to any config's
``init_cfg=dict(type='Pretrained', checkpoint=DST, prefix='backbone.')``. Unknown keys stop
the conversion (``--skip-unknown`` drops them instead).
"""
import argparse
import re
from collections import OrderedDict

import torch

BLOCK_PARTS = {
    'norm1': 'ln1', 'norm2': 'ln2', 'attn.proj': 'attn.proj', 'mlp.fc1': 'ffn.layers.0.0',
    'mlp.fc2': 'ffn.layers.1'
}
STREAMS = {'blocks': 'backbone.layers', 'query_blocks': 'neck.layers'}
TOP_LEVEL = {
    'cls_token': 'backbone.cls_token', 'pos_embed': 'backbone.pos_embed',
    'patch_embed.proj': 'backbone.patch_embed.projection', 'norm': 'backbone.ln1',
    'query_norm': 'head.norm', 'decoder_norm': 'head.norm',
    'prediction_head.fc1': 'head.predictor.0', 'prediction_head.0': 'head.predictor.0',
    'prediction_head.fc2': 'head.predictor.2', 'prediction_head.2': 'head.predictor.2',
}
BLOCK_KEY = re.compile(r'^(blocks|query_blocks)\.(\d+)\.(.+)\.(weight|bias)$')
QKV_KEY = re.compile(r'^(blocks|query_blocks)\.(\d+)\.attn\.([qkv])\.(weight|bias)$')


def _rename(key: str):
    """The mmsaim name of a release key that maps one to one, else None."""
    match = BLOCK_KEY.match(key)
    if match:
        stream, index, part, kind = match.groups()
        if part in BLOCK_PARTS:
            return f'{STREAMS[stream]}.{index}.{BLOCK_PARTS[part]}.{kind}'
        return None
    for prefix, target in TOP_LEVEL.items():
        if key == prefix:
            return target
        if key.startswith(prefix + '.') and key.count('.') == prefix.count('.') + 1:
            return target + key[len(prefix):]
    return None


def convert(state_dict: dict, skip_unknown: bool = False) -> OrderedDict:
    """Release state dict -> mmsaim state dict (see the module docstring)."""
    converted, qkv, unknown = OrderedDict(), {}, []
    for key, value in state_dict.items():
        match = QKV_KEY.match(key)
        if match:
            stream, index, which, kind = match.groups()
            qkv.setdefault((STREAMS[stream], index, kind), {})[which] = value
            continue
        new_key = _rename(key)
        if new_key is None:
            unknown.append(key)
        else:
            converted[new_key] = value
    for (stream, index, kind), parts in sorted(qkv.items()):
        if kind == 'bias' and 'k' not in parts and {'q', 'v'} <= parts.keys():
            parts['k'] = torch.zeros_like(parts['q'])  # timm-style q_bias/v_bias only
        missing = {'q', 'k', 'v'} - parts.keys()
        if missing:
            raise KeyError(f'{stream}.{index}: attn.{"/".join(sorted(missing))}.{kind} '
                           'missing from the source checkpoint')
        converted[f'{stream}.{index}.attn.qkv.{kind}'] = torch.cat(
            [parts['q'], parts['k'], parts['v']], dim=0)
    if unknown and not skip_unknown:
        raise KeyError(f'{len(unknown)} keys have no mmsaim name: {unknown[:10]}; pass '
                       '--skip-unknown to drop them')
    return converted


def load_release(path: str) -> dict:
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    for key in ('model', 'state_dict'):
        if isinstance(checkpoint, dict) and key in checkpoint:
            return checkpoint[key]
    return checkpoint


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='checkpoint of the SAIM release')
    parser.add_argument('dst', help='output path')
    parser.add_argument('--skip-unknown', action='store_true', help='drop unmapped keys')
    args = parser.parse_args()
    state_dict = convert(load_release(args.src), args.skip_unknown)
    torch.save({'state_dict': state_dict}, args.dst)
    print(f'{len(state_dict)} tensors written to {args.dst}')


if __name__ == '__main__':
    main()
