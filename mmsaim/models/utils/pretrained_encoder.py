"""Loading a pretrained encoder strictly: every weight, with its shape, or a clear error."""
import re
from typing import Dict, Iterable, List, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log

from ...fileio import CheckpointError, read_checkpoint

_BLOCK = re.compile(r'^layers\.(\d+)\.')


def describe_vit(state_dict: Dict[str, torch.Tensor]) -> str:
    """The shape of the ViT encoder in ``state_dict`` (mmpretrain names, no prefix), in words.

    For example ``'embed_dims 192, 6 blocks, MLP 768, patch 8, 8x8 position grid'``.
    """
    parts = []
    proj = state_dict.get('patch_embed.projection.weight')
    if proj is not None:
        parts.append(f'embed_dims {proj.shape[0]}')
    blocks = {int(m.group(1)) for m in map(_BLOCK.match, state_dict) if m}
    parts.append(f'{len(blocks)} blocks')
    mlp = state_dict.get('layers.0.ffn.layers.0.0.weight')
    if mlp is not None:
        parts.append(f'MLP {mlp.shape[0]}')
    if proj is not None:
        parts.append(f'patch {proj.shape[-1]}')
    pos_embed = state_dict.get('pos_embed')
    if pos_embed is not None:
        side = int((pos_embed.shape[1] - 1)**.5)
        grid = f'{side}x{side}' if side * side == pos_embed.shape[1] - 1 else str(
            pos_embed.shape[1] - 1)
        parts.append(f'{grid} position grid')
    return ', '.join(parts)


def encoder_weights(checkpoint: str, prefix: str = '',
                    map_location='cpu') -> Dict[str, torch.Tensor]:
    """The weights under ``prefix`` in a checkpoint file, with the prefix removed."""
    state = read_checkpoint(checkpoint, map_location)
    if isinstance(state, dict) and isinstance(state.get('state_dict'), dict):
        state = state['state_dict']
    weights = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    if not weights:
        prefixes = sorted({k.split('.')[0] + '.' for k in state})[:8]
        raise CheckpointError(f'{checkpoint} holds no weights under {prefix!r}; its keys '
                              f'start with {prefixes}. Set init_cfg prefix accordingly.')
    return weights


def mismatches(own: Dict[str, torch.Tensor], given: Dict[str, torch.Tensor],
               allow_missing: Iterable[str] = (),
               any_shape: Iterable[str] = ()) -> Tuple[List[str], List[str]]:
    """Keys of ``own`` absent from ``given``, and keys whose shapes differ (as text).

    Keys starting with a string of ``allow_missing`` may be absent; the keys in
    ``any_shape`` may have another shape.
    """
    missing = [k for k in own
               if k not in given and not any(k.startswith(p) for p in allow_missing)]
    shapes = [f'{k}: {tuple(given[k].shape)} vs {tuple(own[k].shape)}' for k in own
              if k in given and k not in any_shape and given[k].shape != own[k].shape]
    return missing, shapes


def load_pretrained_encoder(module: nn.Module,
                            checkpoint: str,
                            prefix: str = '',
                            map_location='cpu',
                            allow_missing: Iterable[str] = (),
                            keep_own_pos_embed: bool = False) -> None:
    """Load every weight of ``module`` from ``checkpoint`` (under ``prefix``), or raise.

    A ViT's ``pos_embed`` may come from another grid: mmpretrain's ``VisionTransformer``
    interpolates it on load, or, with ``keep_own_pos_embed``, the module keeps its own
    (fixed sin-cos) embedding for its grid. Checkpoint weights the module does not have
    (a final norm it does not use, the pretraining query stream) are ignored.

    Raises:
        CheckpointError: a weight of ``module`` is missing or has another shape; the message
            describes both encoders.
    """
    weights = encoder_weights(checkpoint, prefix, map_location)
    own = module.state_dict()
    if keep_own_pos_embed and 'pos_embed' in own and 'pos_embed' in weights and weights[
            'pos_embed'].shape != own['pos_embed'].shape:
        weights['pos_embed'] = own['pos_embed']
    missing, shapes = mismatches(own, weights, allow_missing, any_shape=('pos_embed', ))
    if missing or shapes:
        problems = ([f'{len(missing)} weights missing (e.g. {missing[:3]})'] if missing else
                    []) + ([f'{len(shapes)} of other shapes (e.g. {shapes[:3]})']
                           if shapes else [])
        raise CheckpointError(
            f'{checkpoint} (prefix {prefix!r}) does not fit {type(module).__name__} '
            f'({describe_vit(own)}): it holds {describe_vit(weights)}; '
            f'{"; ".join(problems)}. Set the arch, patch_size and img_size of the '
            'checkpoint\'s encoder in the config.')
    module.load_state_dict({k: v for k, v in weights.items() if k in own}, strict=False)
    fresh = sorted({k.split('.')[0] for k in own if k not in weights})
    print_log(f'{type(module).__name__}: {sum(k in weights for k in own)} weights loaded from '
              f'{checkpoint} (prefix {prefix!r})' +
              (f'; new, not in the checkpoint: {", ".join(fresh)}' if fresh else ''),
              logger='current')


def split_pretrained(init_cfg):
    """``(pretrained, rest)``: the ``Pretrained`` entry of an ``init_cfg`` (dict or list) as
    ``dict(checkpoint, prefix, map_location)``, and the other entries.

    SAIM's encoders take the ``Pretrained`` entry out of mmengine's hands (which loads what
    fits and logs the rest) and load it with :func:`load_pretrained_encoder`.
    """
    cfgs = init_cfg if isinstance(init_cfg, list) else [init_cfg] if init_cfg else []
    pretrained = [c for c in cfgs if c.get('type') == 'Pretrained']
    rest = [c for c in cfgs if c.get('type') != 'Pretrained'] or None
    if not pretrained:
        return None, init_cfg
    found = pretrained[-1]
    return dict(checkpoint=found['checkpoint'], prefix=found.get('prefix') or '',
                map_location=found.get('map_location', 'cpu')), rest
