"""tools/analysis/get_flops.py: mmengine's counts, attention included, for SAIM's two parts."""
import pytest
import os.path as osp

import torch

from tests.helpers.models import build_tiny_saim
from tests.helpers.tool_runs import ROOT, import_tool
from tests.helpers.tool_runs import run_tool_in_process as run_tool

get_flops = import_tool('analysis/get_flops.py')

D, DEPTH, IMG, PATCH = 32, 2, 32, 8
N = (IMG // PATCH)**2
DEMO = 'configs/saim/saim_vit-tiny-p8_1xb32-coslr-12e_demo-64px.py'


def test_counts_match_the_vit_formula():
    """Multiply-adds of a ViT, block by block: qkv, proj and MLP linears, the two attention
    products over L tokens, and the patch projection."""
    model = build_tiny_saim(embed_dims=D, depth=DEPTH, img_size=IMG, patch_size=PATCH)
    model.eval()
    (_, backbone, encode), (_, saim, step) = get_flops.parts_to_count(model)
    images = torch.randn(1, 3, IMG, IMG)
    encoder = get_flops.count(backbone, encode, images).by_operator()
    L = 1 + N
    linear_per_block = L * (3 * D * D + D * D + 2 * 4 * D * D)
    assert encoder['conv'] == N * D * 3 * PATCH**2
    assert encoder['linear'] == DEPTH * linear_per_block
    assert encoder['scaled_dot_product_attention'] == DEPTH * 2 * L * L * D
    pretraining = get_flops.count(saim, step, images).by_operator()
    # The content stream attends over cls + N tokens, each query over cls + N - 1 states.
    assert pretraining['scaled_dot_product_attention'] == DEPTH * 2 * D * (L * L + N * N)
    assert pretraining['linear'] > 2 * encoder['linear']


@pytest.mark.slow
def test_command_line_on_the_demo_config(capsys):
    run_tool('analysis/get_flops.py', osp.join(ROOT, DEMO))  # its img_size, 64 px
    out = capsys.readouterr().out
    assert 'input (1, 3, 64, 64)' in out and 'pretraining step (both streams, head, loss)' in out
    # Width 192, 6 blocks, 8x8 patches, 64 px: patch projection, cls, 65 position slots,
    # 6 blocks (2 norms, qkv, proj, 2 MLP linears) and the final norm.
    D, blocks = 192, 6 * (4 * 192 + 4 * 192 * 192 + 4 * 192 + 2 * 4 * 192 * 192 + 5 * 192)
    params = (D * 3 * 64 + D) + D + 65 * D + blocks + 2 * D
    assert 'encoder (plain ViT forward): ' in out and f'{params / 1e6:.4g} M parameters' in out


@pytest.mark.slow
def test_config_with_compiled_blocks(tmp_path, capsys):
    """Compiled blocks compute what the eager ones do; the tool counts the eager ones
    (FX cannot trace a dynamo-optimized function)."""
    config = tmp_path / 'compiled.py'
    config.write_text(f"_base_ = '{osp.join(ROOT, DEMO)}'\nmodel = dict(compile_blocks=True)\n")
    run_tool('analysis/get_flops.py', str(config))
    compiled = capsys.readouterr().out.split('\n', 1)[1]
    run_tool('analysis/get_flops.py', osp.join(ROOT, DEMO))
    assert capsys.readouterr().out.split('\n', 1)[1] == compiled
