"""Weight names of the SAIM encoder in mmpretrain, timm, mmseg and the public SAIM release.

Every converter in ``tools/model_converters/`` is a thin command line over this module: the key
tables live here and nowhere else.

mmpretrain ``VisionTransformer`` (SAIM's encoder)      timm ``VisionTransformer``
    cls_token, pos_embed                               cls_token, pos_embed
    patch_embed.projection                             patch_embed.proj
    layers.N.ln1 / ln2                                 blocks.N.norm1 / norm2
    layers.N.attn.qkv / attn.proj                      blocks.N.attn.qkv / attn.proj
    layers.N.ffn.layers.0.0 / ffn.layers.1             blocks.N.mlp.fc1 / mlp.fc2
    ln1 (the final norm)                               norm

mmseg's ``VisionTransformer`` keeps mmpretrain's names except inside attention, which is
``torch.nn.MultiheadAttention`` there: ``layers.N.attn.qkv.weight / bias`` ->
``layers.N.attn.attn.in_proj_weight / in_proj_bias`` and ``layers.N.attn.proj`` ->
``layers.N.attn.attn.out_proj``.

The public SAIM release uses timm's names with separate ``attn.q / k / v`` projections, a
query stream ``query_blocks.N`` with the same block layout, ``prediction_head.fc1 / fc2``
(an MLP) and one final ``norm``, which its pretraining applies to the query stream before the
prediction head and its linear-probe / fine-tuning code loads as the encoder's final norm.
"""
import argparse
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Tuple

import torch

from .models.heads import gaussian_kernel2d
from .fileio import CheckpointError, read_checkpoint

# '{}' stands for a block index; a pattern names a module (its parameters follow) or a tensor.
MMPRETRAIN_TO_TIMM = {
    'cls_token': 'cls_token',
    'pos_embed': 'pos_embed',
    'patch_embed.projection': 'patch_embed.proj',
    'layers.{}.ln1': 'blocks.{}.norm1',
    'layers.{}.attn.qkv': 'blocks.{}.attn.qkv',
    'layers.{}.attn.proj': 'blocks.{}.attn.proj',
    'layers.{}.ln2': 'blocks.{}.norm2',
    'layers.{}.ffn.layers.0.0': 'blocks.{}.mlp.fc1',
    'layers.{}.ffn.layers.1': 'blocks.{}.mlp.fc2',
    'ln1': 'norm',
}
TIMM_TO_MMPRETRAIN = {timm: mmpretrain for mmpretrain, timm in MMPRETRAIN_TO_TIMM.items()}
MMPRETRAIN_TO_MMSEG = {
    **{name: name for name in MMPRETRAIN_TO_TIMM if '.attn.' not in name},
    'layers.{}.attn.qkv.weight': 'layers.{}.attn.attn.in_proj_weight',
    'layers.{}.attn.qkv.bias': 'layers.{}.attn.attn.in_proj_bias',
    'layers.{}.attn.proj': 'layers.{}.attn.attn.out_proj',
}
RELEASE_HEAD_TO_MMSAIM = {
    'prediction_head.fc1': 'head.predictor.0',
    'prediction_head.fc2': 'head.predictor.2',
}
RELEASE_QKV = re.compile(r'^(blocks|query_blocks)\.(\d+)\.attn\.([qkv])\.(weight|bias)$')
RELEASE_BLUR = 'gaussian_blur.weight'


def load_checkpoint_weights(path: str) -> Dict[str, torch.Tensor]:
    """The weights in a checkpoint file, read with :func:`mmsaim.fileio.read_checkpoint`.

    This is the one place where the converters read a file. Besides what that function
    allows (mmengine's training state) it takes the release's ``argparse.Namespace`` of
    arguments as plain data.
    A ``.safetensors`` file (timm's format on the model hubs) is read with safetensors.

    Returns:
        dict: the file's ``'state_dict'`` or ``'model'`` entry, or the file itself when it is
        a bare state dict.
    """
    if path.endswith('.safetensors'):  # timm's weights on the model hubs
        try:
            from safetensors.torch import load_file
        except ImportError as error:
            raise ImportError(f'{path} is a safetensors file: pip install safetensors') from error
        try:
            return load_file(path)
        except Exception as e:  # safetensors' own error type, for any damage to the file
            raise CheckpointError(f'{path} is not a readable safetensors file: '
                                  f'{" ".join(str(e).split())[:200]}') from None
    checkpoint = read_checkpoint(path, 'cpu', plain_classes=(argparse.Namespace, ))
    for key in ('state_dict', 'model'):
        if isinstance(checkpoint, dict) and key in checkpoint:
            return checkpoint[key]
    return checkpoint


def encoder_state_dict(state_dict: Mapping[str, torch.Tensor],
                       prefix: str = 'backbone.') -> 'OrderedDict[str, torch.Tensor]':
    """The encoder's weights, without ``prefix``.

    A SAIM pretraining (or mmpretrain classifier) checkpoint holds the encoder under
    ``backbone.`` next to the query stream (``neck.``) and the head (``head.``), which only
    pretraining uses. A state dict with no key under ``prefix`` is taken as encoder-only.
    """
    encoder = OrderedDict((k[len(prefix):], v) for k, v in state_dict.items()
                          if k.startswith(prefix))
    return encoder if encoder else OrderedDict(state_dict)


def _key_rules(table: Mapping[str, str]) -> List[Tuple['re.Pattern', str]]:
    """``{pattern: target}`` -> regular expressions matching a pattern's tensors."""
    return [(re.compile('^' + re.escape(src).replace(r'\{\}', r'(\d+)') + r'(\.[^.]+)?$'), dst)
            for src, dst in table.items()]


def _rename_keys(state_dict: Mapping[str, torch.Tensor], table: Mapping[str, str]
                ) -> Tuple['OrderedDict[str, torch.Tensor]', List[str]]:
    """Rename the keys of ``state_dict`` by a table such as :data:`MMPRETRAIN_TO_TIMM`.

    A table entry ``'layers.{}.ln1': 'blocks.{}.norm1'`` renames ``layers.3.ln1.weight`` to
    ``blocks.3.norm1.weight``. Tensors are not copied.

    Returns:
        tuple: the renamed state dict and the keys no entry matched, in their order.
    """
    rules = _key_rules(table)
    renamed, unmatched = OrderedDict(), []
    for key, value in state_dict.items():
        for pattern, target in rules:
            match = pattern.match(key)
            if match:
                *index, param = match.groups()
                renamed[target.format(*index) + (param or '')] = value
                break
        else:
            unmatched.append(key)
    return renamed, unmatched


def _rename_all(state_dict: Mapping[str, torch.Tensor],
                table: Mapping[str, str],
                source: str,
                skip_unknown: bool = False) -> 'OrderedDict[str, torch.Tensor]':
    """:func:`_rename_keys`; keys no entry matches raise a ValueError that names them, or are
    dropped with ``skip_unknown``."""
    renamed, unmatched = _rename_keys(state_dict, table)
    if unmatched and not skip_unknown:
        raise ValueError(f'{len(unmatched)} keys are not {source} ViT encoder weights: '
                         f'{unmatched[:10]}. Give the encoder alone (encoder_state_dict takes '
                         'it from under "backbone."), or drop the others (--skip-unknown), '
                         'such as a classifier head.')
    return renamed


def mmpretrain_to_timm(state_dict: Mapping[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """mmpretrain ``VisionTransformer`` weights -> timm ``VisionTransformer`` weights.

    The result loads with ``strict=True`` into timm's ViT of the same shape built with
    ``class_token=True``, ``qkv_bias=True`` and ``num_classes=0`` (no classifier head).
    """
    return _rename_all(state_dict, MMPRETRAIN_TO_TIMM, 'mmpretrain')


def timm_to_mmpretrain(state_dict: Mapping[str, torch.Tensor],
                       skip_unknown: bool = False) -> 'OrderedDict[str, torch.Tensor]':
    """timm ``VisionTransformer`` weights -> mmpretrain ``VisionTransformer`` weights.

    ``skip_unknown`` drops what is not encoder weights (``head``, ``fc_norm``) instead of
    raising a ValueError.
    """
    return _rename_all(state_dict, TIMM_TO_MMPRETRAIN, 'timm', skip_unknown)


def mmpretrain_to_mmseg(state_dict: Mapping[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """mmpretrain ``VisionTransformer`` weights -> mmseg ``VisionTransformer`` weights.

    mmseg's ViT loads every one of them when it is built with ``patch_bias=True`` (the SAIM
    patch projection has a bias), ``final_norm=True`` and ``norm_cfg=dict(type='LN',
    eps=1e-6)``.
    """
    return _rename_all(state_dict, MMPRETRAIN_TO_MMSEG, 'mmpretrain')


def _merge_release_qkv(state_dict: Mapping[str, torch.Tensor]
                       ) -> 'OrderedDict[str, torch.Tensor]':
    """Concatenate the release's separate ``attn.q / k / v`` into timm's ``attn.qkv``.

    A missing ``k`` bias (BEiT-style checkpoints keep only q and v biases) becomes zeros.
    """
    merged, parts = OrderedDict(), {}
    for key, value in state_dict.items():
        match = RELEASE_QKV.match(key)
        if match:
            stream, index, which, kind = match.groups()
            parts.setdefault(f'{stream}.{index}.attn.qkv.{kind}', {})[which] = value
        else:
            merged[key] = value
    for key, qkv in parts.items():
        if key.endswith('bias') and 'k' not in qkv and {'q', 'v'} <= qkv.keys():
            qkv['k'] = torch.zeros_like(qkv['q'])
        missing = {'q', 'k', 'v'} - qkv.keys()
        if missing:
            raise ValueError(f'{key}: attn.{"/".join(sorted(missing))} missing from the '
                             'release checkpoint')
        merged[key] = torch.cat([qkv['q'], qkv['k'], qkv['v']], dim=0)
    return merged


def check_release_blur(weight: torch.Tensor, sigma: float) -> None:
    """Raise a ValueError unless the release's ``gaussian_blur.weight`` (C, 1, k, k) is
    mmsaim's Gaussian (:func:`gaussian_kernel2d`) of that size and ``sigma``."""
    k = weight.shape[-1]
    expected = gaussian_kernel2d(k, sigma)
    if (weight.dim() != 4 or tuple(weight.shape[1:]) != (1, k, k)
            or not torch.allclose(weight.float(), expected.expand_as(weight), atol=1e-6)):
        raise ValueError(
            f'{RELEASE_BLUR} {tuple(weight.shape)} is not the {k}x{k} Gaussian with '
            f'sigma={sigma} that mmsaim blurs the target with. Pass the sigma the release '
            f'was pretrained with (its --gaussian_sigma) and pretrain with head.blur='
            f'dict(kernel_size={k}, sigma=<that sigma>).')


def saim_release_to_mmsaim(state_dict: Mapping[str, torch.Tensor],
                           blur_sigma: float = 1.,
                           skip_unknown: bool = False) -> 'OrderedDict[str, torch.Tensor]':
    """Weights of the public SAIM release -> a state dict of mmsaim's ``SAIM`` model.

    ``blocks.N`` and the rest of the encoder go to ``backbone.`` (timm -> mmpretrain names),
    ``query_blocks.N`` to ``neck.layers.N``, ``prediction_head.fc1 / fc2`` to
    ``head.predictor.0 / 2``. The release's one final ``norm`` goes to ``head.norm`` (its
    pretraining normalizes the query stream with it before the prediction head) and also to
    the encoder's final norm ``backbone.ln1``, as the release's linear probe and fine-tuning
    load it; SAIM's pretraining graph does not use ``backbone.ln1``.
    ``gaussian_blur.weight`` is checked with :func:`check_release_blur` and dropped: mmsaim
    computes its kernel from the config's ``head.blur``.

    Args:
        state_dict: the release's weights (the ``'model'`` entry of its checkpoint).
        blur_sigma: the sigma of the release's Gaussian kernel (the paper's 1).
        skip_unknown: drop keys with no mmsaim name instead of raising a ValueError.
    """
    state_dict = _merge_release_qkv(state_dict)
    if RELEASE_BLUR in state_dict:
        check_release_blur(state_dict.pop(RELEASE_BLUR), blur_sigma)
    query_stream = OrderedDict((k[len('query_'):], v) for k, v in state_dict.items()
                               if k.startswith('query_blocks.'))
    head, unknown_head = _rename_keys(
        {k: v for k, v in state_dict.items() if k.startswith('prediction_head.')},
        RELEASE_HEAD_TO_MMSAIM)
    encoder, unknown_encoder = _rename_keys(
        {k: v for k, v in state_dict.items()
         if not k.startswith(('query_blocks.', 'prediction_head.'))}, TIMM_TO_MMPRETRAIN)
    neck, unknown_neck = _rename_keys(query_stream, TIMM_TO_MMPRETRAIN)
    unknown = (unknown_encoder + ['query_' + k for k in unknown_neck] + unknown_head)
    if unknown and not skip_unknown:
        raise ValueError(f'{len(unknown)} keys of the release have no mmsaim name: '
                         f'{unknown[:10]}; pass --skip-unknown to drop them')
    converted = OrderedDict((f'backbone.{k}', v) for k, v in encoder.items())
    converted.update((f'neck.{k}', v) for k, v in neck.items())
    converted.update(head)
    converted.update((f'head.norm.{k[len("ln1."):]}', v) for k, v in encoder.items()
                     if k.startswith('ln1.'))
    return converted
