"""tools/analysis/benchmark.py on CPU: every variant in one process, ratios of measured times."""
import json
import os.path as osp
from unittest import mock

import pytest
from mmengine.config import Config

from tests.helpers.tool_runs import ROOT, import_tool, tool_error

benchmark = import_tool('analysis/benchmark.py')
SAME_MODEL = ('compiled', 'explicit', 'checkpoint-all', 'checkpoint-k', 'fused-adamw', 'config')
TINY = dict(embed_dims=32, num_layers=3, num_heads=2, feedforward_channels=128)


def run_benchmark(*args):
    benchmark.main(benchmark.build_parser().parse_args([str(a) for a in args]))


@pytest.mark.slow
def test_every_variant_on_cpu(tmp_path, capsys, monkeypatch):
    """``--arch t`` with 3 blocks of width 32 instead of 12 of 192, to take seconds."""
    monkeypatch.setattr(benchmark, 'encoder_settings', lambda arch: dict(TINY))
    out = tmp_path / 'benchmark.json'
    run_benchmark('--arch', 't', '--img-size', '32', '--batch-size', '2', '--steps', '1',
                  '--warmup', '1', '--compile-backend', 'aot_eager', '--amp', 'none',
                  '--out', out)
    printed = capsys.readouterr().out
    report = json.loads(out.read_text())
    runs = report['variants']
    assert list(runs) == list(benchmark.VARIANTS)
    assert runs.pop('residual-lowp')['skipped'].startswith('no autocast')  # fp32 on CPU
    assert not [name for name, r in runs.items() if 'error' in r]
    # One model, images and order for the SAIM variants: the same first loss (fp32).
    for name in SAME_MODEL:
        assert runs[name]['first_loss'] == pytest.approx(runs['causal']['first_loss'],
                                                         rel=1e-5), name
    assert runs['config']['switches'] == dict(explicit_masks=False, compile_blocks=True,
                                              checkpoint_every=0,
                                              residual_in_autocast_dtype=False)
    assert runs['config']['fused_adamw'] and not runs['causal']['fused_adamw']
    causal, light, mae = runs['causal'], runs['light'], runs['mae']
    assert causal['speedup_vs_causal'] == 1 and runs['explicit']['throughput_vs_explicit'] == 1
    assert light['step_vs_mae'] == pytest.approx(light['step_s'] / mae['step_s'])
    assert causal['tflops'] == pytest.approx(
        causal['train_gflop_per_image'] * causal['images_per_s'] / 1e3)
    assert 0 < light['train_gflop_per_image'] < causal['train_gflop_per_image']
    assert causal['peak_mib'] is None and report['matmul_bf16_tflops'] > 0  # memory: CUDA
    assert causal['matmul_fraction'] == pytest.approx(causal['tflops']
                                                      / report['matmul_bf16_tflops'])
    assert '| causal | ' in printed
    assert not osp.exists(osp.join(ROOT, 'tools/analysis/attention_paths_benchmark.py'))


@pytest.mark.slow
def test_fp32_and_bf16_rows_in_one_run(tmp_path, monkeypatch):
    """On a CPU the default is both precisions: a bf16 row per variant beside its fp32 row,
    with the speed-up between them."""
    if not benchmark.cpu_supports_bf16():
        pytest.skip('this CPU has no bfloat16 units')
    monkeypatch.setattr(benchmark, 'encoder_settings', lambda arch: dict(TINY))
    out = tmp_path / 'benchmark.json'
    run_benchmark('--arch', 't', '--img-size', '32', '--batch-size', '2', '--steps', '1',
                  '--warmup', '1', '--variants', 'causal', 'residual-lowp', '--out', out)
    runs = json.loads(out.read_text())['variants']
    assert list(runs) == ['causal [none]', 'residual-lowp [none]', 'causal [bf16]',
                          'residual-lowp [bf16]']
    bf16 = runs['causal [bf16]']
    assert bf16['speedup_vs_fp32'] == pytest.approx(runs['causal [none]']['step_s']
                                                    / bf16['step_s'])
    assert bf16['first_loss'] == pytest.approx(runs['causal [none]']['first_loss'], rel=0.05)
    assert 'step_s' in runs['residual-lowp [bf16]'] and 'skipped' in runs['residual-lowp [none]']


def test_fp16_needs_cuda():
    assert '--amp fp16 needs CUDA' in tool_error('analysis/benchmark.py', '--device', 'cpu',
                                                 '--amp', 'fp16')


def test_light_variant_is_the_light_row_rule():
    """ViT-B's light stream by the benchmark rows' rule is the ViT-B light ablation's."""
    args = mock.Mock(arch='b', img_size=224, patch_size=16, light_dims=None, light_depth=None)
    config = Config.fromfile(benchmark.CONFIG)
    neck = benchmark.model_config('light', args, config, {}).neck
    ablation = Config.fromfile(osp.join(
        ROOT, 'configs/saim/ablations/'
        'saim_vit-base-p16_light-dec4-w384_8xb256-amp-coslr-300e_in1k.py')).model.neck
    assert (neck.embed_dims, neck.num_heads, neck.depth) == (
        ablation.embed_dims, ablation.num_heads, ablation.depth) == (384, 6, 4)


@pytest.mark.parametrize('preset', ['cpu', 'cuda'])
def test_light_variant_is_the_light_row_under_every_preset(preset):
    """The rule gives the light row's query stream for the encoder of each preset."""
    presets = import_tool('analysis/imagenette_benchmark/presets.py')
    row = presets.read_preset(preset).load('pretrain_saim-light.py').model
    args = mock.Mock(light_dims=None, light_depth=None)
    assert benchmark.light_query_stream(row.backbone.arch, args) == dict(
        embed_dims=row.neck.embed_dims, num_heads=row.neck.num_heads, depth=row.neck.depth)
