import importlib.util
import os.path as osp

import pytest
import torch

from tests.test_models.helpers import build_tiny_saim

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location(
    'saim_to_mmsaim', osp.join(ROOT, 'tools/model_converters/saim_to_mmsaim.py'))
converter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(converter)

D = 32


def release_state_dict(depth=2, query_depth=2, k_bias=True):
    """A state dict with the release's names and shapes (timm-style, separate q, k, v)."""
    g = torch.Generator().manual_seed(0)

    def t(*shape):
        return torch.randn(*shape, generator=g)

    sd = {'cls_token': t(1, 1, D), 'pos_embed': t(1, 17, D),
          'patch_embed.proj.weight': t(D, 3, 8, 8), 'patch_embed.proj.bias': t(D),
          'norm.weight': t(D), 'norm.bias': t(D), 'decoder_norm.weight': t(D),
          'decoder_norm.bias': t(D), 'prediction_head.fc1.weight': t(4 * D, D),
          'prediction_head.fc1.bias': t(4 * D), 'prediction_head.fc2.weight': t(192, 4 * D),
          'prediction_head.fc2.bias': t(192)}
    for stream, n in (('blocks', depth), ('query_blocks', query_depth)):
        for i in range(n):
            p = f'{stream}.{i}.'
            for name in ('norm1', 'norm2'):
                sd[p + name + '.weight'], sd[p + name + '.bias'] = t(D), t(D)
            for name in ('q', 'k', 'v'):
                sd[p + f'attn.{name}.weight'] = t(D, D)
                if name != 'k' or k_bias:
                    sd[p + f'attn.{name}.bias'] = t(D)
            sd[p + 'attn.proj.weight'], sd[p + 'attn.proj.bias'] = t(D, D), t(D)
            sd[p + 'mlp.fc1.weight'], sd[p + 'mlp.fc1.bias'] = t(4 * D, D), t(4 * D)
            sd[p + 'mlp.fc2.weight'], sd[p + 'mlp.fc2.bias'] = t(D, 4 * D), t(D)
    return sd


def test_release_loads_into_saim_model():
    release = release_state_dict()
    converted = converter.convert(release)
    model = build_tiny_saim(embed_dims=D, depth=2, num_heads=2, img_size=32, patch_size=8)
    model.load_state_dict(converted, strict=True)  # every key, every shape
    qkv = model.backbone.layers[1].attn.qkv
    torch.testing.assert_close(qkv.weight[:D], release['blocks.1.attn.q.weight'])
    torch.testing.assert_close(qkv.weight[D:2 * D], release['blocks.1.attn.k.weight'])
    torch.testing.assert_close(qkv.bias[2 * D:], release['blocks.1.attn.v.bias'])
    torch.testing.assert_close(model.neck.layers[0].ffn.layers[1].weight,
                               release['query_blocks.0.mlp.fc2.weight'])
    torch.testing.assert_close(model.head.predictor[2].bias, release['prediction_head.fc2.bias'])
    torch.testing.assert_close(model.backbone.ln1.weight, release['norm.weight'])


def test_missing_k_bias_becomes_zero():
    converted = converter.convert(release_state_dict(k_bias=False))
    bias = converted['backbone.layers.0.attn.qkv.bias']
    assert bias.shape == (3 * D, ) and torch.all(bias[D:2 * D] == 0)


def test_unknown_keys_are_reported():
    release = release_state_dict()
    release['mask_token'] = torch.zeros(1, 1, D)
    with pytest.raises(KeyError, match='mask_token'):
        converter.convert(release)
    assert 'mask_token' not in converter.convert(release, skip_unknown=True)


def test_command_line(tmp_path):
    src, dst = tmp_path / 'release.pth', tmp_path / 'mmsaim.pth'
    torch.save({'model': release_state_dict()}, src)
    import subprocess
    import sys
    subprocess.run([sys.executable, osp.join(ROOT, 'tools/model_converters/saim_to_mmsaim.py'),
                    str(src), str(dst)], check=True, capture_output=True, timeout=120)
    assert 'backbone.layers.0.attn.qkv.weight' in torch.load(dst)['state_dict']
