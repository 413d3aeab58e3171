"""Step time, peak memory and FLOP rate of SAIM's settings next to mmpretrain's MAE, in one run.

    python tools/analysis/benchmark.py [--arch b] [--img-size 224] [--batch-size 256]
        [--steps 10] [--warmup 3] [--amp none bf16] [--variants causal explicit ...]
        [--out work_dirs/benchmark.json]

In one process, on the same random images, each variant is built from the ImageNet config
(``--config``; its arch, image and patch size replaced, a query stream as deep as the
encoder) with the same seed, and takes ``--warmup`` full training steps (forward, backward,
optimizer, through mmengine's optimizer wrapper as the Runner builds it from the config;
compilation happens here), then ``--steps`` timed ones, of which the median counts:

- ``causal``: SAIM's default path, eager, the config's AdamW unfused;
- ``compiled``: regional ``torch.compile`` of the blocks (``compile_blocks=True``);
- ``explicit``: the explicit-mask reference path;
- ``checkpoint-all`` and ``checkpoint-k``: activation checkpoints in every block and in
  every ``--checkpoint-every``-th block;
- ``residual-lowp``: the residual stream in the autocast dtype (only under ``--amp``);
- ``fused-adamw``: ``fused=True`` AdamW;
- ``config``: every switch and the optimizer exactly as the config ships them;
- ``light`` and ``light-config``: the light query stream of the representation benchmark's
  light row (``configs/saim/benchmarks/imagenette/pretrain_saim-light.py``: half the
  encoder's width and heads, a third of its depth, evenly spaced), or ``--light-dims`` wide
  (the encoder's head width) and ``--light-depth`` deep, eager and with the config's
  switches;
- ``mae``: mmpretrain's MAE (``MAE``, ``MAEViT`` with the same encoder, mask ratio 0.75,
  ``MAEPretrainDecoder`` 512 wide and 8 deep, ``MAEPretrainHead``: mmpretrain's own ViT-B
  recipe), eager, the same optimizer as ``causal``.

Each variant runs in every precision of ``--amp``: fp32 (``none``) and autocast to fp16 or
bf16 (``AmpOptimWrapper`` on a GPU, ``CPUAutocastOptimWrapper``'s bf16 on a CPU); by default
fp16 on CUDA (as the configs) and both fp32 and bf16 on a CPU with bfloat16 units, so the
speed-up of bf16 over fp32 is measured in one run.

FLOPs per image are counted by ``get_flops.py`` (mmengine's counter, one multiply-add = 2
FLOPs here, attention counted in full as the explicit path computes it) for one forward
pass and tripled for forward + backward. The tool also measures the rate of a bf16 matrix
product in the same run (8192^3 on a GPU, 2048^3 on a CPU) and reports each variant's
achieved FLOP rate as a fraction of it, and, on CUDA, the peak memory of the timed steps.
It prints a markdown table of the ratios and writes everything as JSON.
"""
import copy
import datetime
import gc
import json
import logging
import os
import os.path as osp
import statistics
import sys
import time
import traceback

import mmpretrain
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

from mmsaim.cli import check_image_size, positive_int, run_tool, tool_parser
from mmsaim.cli import device as device_arg
from mmsaim.engine.optimizers import cpu_supports_bf16
from mmsaim.models.backbones import SAIMViT
from mmsaim.paths import PROJECT_FILES, REPO_ROOT
from mmsaim.runner import read_config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # tools/ are scripts, not a package
from get_flops import count, pretraining_loss  # noqa: E402
from hardware import hardware_name  # noqa: E402

CONFIG = osp.join(PROJECT_FILES, 'configs/saim/saim_vit-base-p16_8xb256-amp-coslr-300e_in1k.py')
MAE_MODEL = osp.join(osp.dirname(mmpretrain.__file__),
                     '.mim/configs/_base_/models/mae_vit-base-p16.py')
MATMUL_SIZE, CPU_MATMUL_SIZE = 8192, 2048
# variant -> (model, SAIM switches, fused AdamW); 'config' takes both from the config.
VARIANTS = {
    'causal': ('saim', {}, False),
    'compiled': ('saim', dict(compile_blocks=True), False),
    'explicit': ('saim', dict(explicit_masks=True), False),
    'checkpoint-all': ('saim', dict(checkpoint_every=1), False),
    'checkpoint-k': ('saim', 'checkpoint-k', False),
    'residual-lowp': ('saim', dict(residual_in_autocast_dtype=True), False),
    'fused-adamw': ('saim', {}, True),
    'config': ('saim', 'config', 'config'),
    'light': ('light', {}, False),
    'light-config': ('light', 'config', 'config'),
    'mae': ('mae', {}, False),
}
SWITCHES = ('explicit_masks', 'compile_blocks', 'checkpoint_every', 'residual_in_autocast_dtype')
# --amp name -> the autocast dtype of mmengine's optimizer wrappers
AUTOCAST = {'fp16': 'float16', 'bf16': 'bfloat16'}


def build_parser():
    parser = tool_parser(__doc__)
    parser.add_argument('--arch', default='b', choices=['t', 's', 'b', 'l'])
    parser.add_argument('--img-size', type=positive_int, default=224)
    parser.add_argument('--patch-size', type=positive_int, default=16)
    parser.add_argument('--batch-size', type=positive_int, default=256)
    parser.add_argument('--steps', type=positive_int, default=10,
                        help='timed steps per variant (their median is reported)')
    parser.add_argument('--warmup', type=positive_int, default=3,
                        help='untimed steps first, at least 1 (compilation, allocator)')
    parser.add_argument('--amp', nargs='+', choices=['none', *AUTOCAST],
                        help='precisions to run every variant in: fp32 (none) and/or autocast '
                        'to fp16 or bf16 (CPU: bf16 only); default fp16 on CUDA, as the '
                        'config, and none and bf16 on a CPU with bfloat16 units')
    parser.add_argument('--device', type=device_arg,
                        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument('--checkpoint-every', type=int, default=2,
                        help='k of the checkpoint-k variant')
    parser.add_argument('--light-dims', type=int, help="default: half the encoder's width")
    parser.add_argument('--light-depth', type=int, help="default: a third of its depth")
    parser.add_argument('--compile-backend', default='inductor',
                        help='torch.compile backend of the compiled variants (aot_eager: '
                        'a quick check without code generation)')
    parser.add_argument('--config', default=CONFIG,
                        help='ImageNet config whose model, switches and optimizer are used')
    parser.add_argument('--out', default=osp.join(REPO_ROOT, 'work_dirs/benchmark.json'))
    return parser


def check_args(args):
    """``args`` with the precisions' default filled in; ValueError for settings that cannot
    run."""
    device = torch.device(args.device)
    if args.amp is None:
        args.amp = ['fp16'] if device.type == 'cuda' else (
            ['none', 'bf16'] if cpu_supports_bf16() else ['none'])
    if device.type == 'cpu' and 'fp16' in args.amp:
        raise ValueError('--amp fp16 needs CUDA; on a CPU give --amp none bf16')
    if device.type == 'cpu' and 'bf16' in args.amp and not cpu_supports_bf16():
        raise ValueError('--amp bf16: this CPU has no bfloat16 units; give --amp none')
    check_image_size((args.img_size, ), args.patch_size, '--img-size')
    return args


def encoder_settings(arch):
    settings = SAIMViT.arch_zoo[arch]
    return dict(embed_dims=settings['embed_dims'], num_layers=settings['num_layers'],
                num_heads=settings['num_heads'],
                feedforward_channels=settings['feedforward_channels'])


def light_query_stream(arch, args):
    """The light query stream of the benchmark's light row for this encoder, half as wide
    (half the heads) and a third as deep (the rule of ``pretrain_saim-light.py``), with
    ``--light-dims`` / ``--light-depth`` in its place where given."""
    stream = dict(embed_dims=arch['embed_dims'] // 2, num_heads=max(1, arch['num_heads'] // 2),
                  depth=max(1, arch['num_layers'] // 3))
    if args.light_dims:
        head_dims = arch['embed_dims'] // arch['num_heads']
        stream.update(embed_dims=args.light_dims, num_heads=max(1, args.light_dims // head_dims))
    if args.light_depth:
        stream.update(depth=args.light_depth)
    return stream


def model_config(kind, args, config, switches):
    """The model config of a variant: SAIM from ``config`` (full or light query stream,
    ``switches`` applied) or mmpretrain's MAE, with the benchmark's arch and sizes."""
    arch = encoder_settings(args.arch)
    patch, size = args.patch_size, args.img_size
    if kind == 'mae':
        cfg = copy.deepcopy(Config.fromfile(MAE_MODEL).model)
        cfg.backbone.update(arch=arch, img_size=size, patch_size=patch)
        cfg.neck.update(embed_dim=arch['embed_dims'], patch_size=patch,
                        num_patches=(size // patch)**2)
        cfg.head.update(patch_size=patch)
        return cfg
    cfg = copy.deepcopy(config.model)
    cfg.backbone.update(arch=arch, img_size=size, patch_size=patch)
    cfg.neck.update(depth=arch['num_layers'], attach_to=None)
    if kind == 'light':
        cfg.neck.update(light_query_stream(arch, args))
    for key in SWITCHES:
        cfg[key] = switches.get(key, False if key != 'checkpoint_every' else 0)
    if cfg.compile_blocks:  # the model's own compile arguments, on the chosen backend
        compile_cfg = dict(dynamic=False) if cfg.compile_blocks is True else cfg.compile_blocks
        cfg.compile_blocks = dict(compile_cfg, backend=args.compile_backend)
    return cfg


def variant_settings(name, args, config):
    """(model kind, SAIM switches, fused AdamW) of a variant."""
    kind, switches, fused = VARIANTS[name]
    if switches == 'config':
        switches = {key: config.model.get(key) for key in SWITCHES if key in config.model}
    elif switches == 'checkpoint-k':
        switches = dict(checkpoint_every=args.checkpoint_every)
    if fused == 'config':
        fused = bool(config.optim_wrapper.optimizer.get('fused', False))
    return kind, switches, fused


def optim_wrapper_config(config, fused, amp, device):
    """The config's optimizer wrapper: its AdamW and parameter groups, ``fused`` or not, in
    fp32 or under autocast to ``amp`` (``AmpOptimWrapper`` on a GPU,
    ``CPUAutocastOptimWrapper`` on a CPU)."""
    cfg = copy.deepcopy(config.optim_wrapper)
    cfg.optimizer['fused'] = fused
    for key in ('loss_scale', 'dtype'):
        cfg.pop(key, None)
    if amp == 'none':
        cfg.type = 'OptimWrapper'
    elif device.type == 'cpu':
        cfg.type = 'CPUAutocastOptimWrapper'
    else:
        cfg.update(type='AmpOptimWrapper', dtype=AUTOCAST[amp], loss_scale='dynamic')
    return cfg


def synchronize(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def train_step(model, optim_wrapper, images):
    with optim_wrapper.optim_context(model):
        loss = model.loss(images, [])['loss']
    optim_wrapper.update_params(loss)
    return loss.detach()


def measure(model, optim_wrapper, images, args, device):
    """Warm-up then timed training steps: the median seconds per step (robust to a
    machine shared with other work), every step's time, peak memory, first loss."""
    start = time.perf_counter()
    for i in range(args.warmup):
        loss = train_step(model, optim_wrapper, images)
        if i == 0:
            first_loss = loss.item()
    synchronize(device)
    warmup_s = time.perf_counter() - start
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        train_step(model, optim_wrapper, images)
        synchronize(device)
        times.append(time.perf_counter() - start)
    step_s = statistics.median(times)
    peak = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == 'cuda' else None
    return dict(step_s=step_s, images_per_s=images.shape[0] / step_s, peak_mib=peak,
                warmup_s=warmup_s, first_loss=first_loss, step_times_s=times)


def train_gflop_per_image(model_cfg, args):
    """Forward FLOPs (2 per multiply-add) of one step for one image, x3 for the backward,
    counted on CPU (the switches change no arithmetic: give the plain model)."""
    model = MODELS.build(model_cfg).eval()
    images = torch.randn(1, 3, args.img_size, args.img_size)
    multiply_adds = count(model, pretraining_loss(model), images).total()
    return 3 * 2 * multiply_adds / 1e9


def matmul_tflops(device, size=MATMUL_SIZE, repeats=20):
    """Rate of a bf16 ``size`` x ``size`` matrix product on ``device``, in TFLOP/s."""
    a, b = (torch.randn(size, size, device=device, dtype=torch.bfloat16) for _ in range(2))
    for _ in range(3):
        a @ b
    synchronize(device)
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    synchronize(device)
    return 2 * size**3 * repeats / (time.perf_counter() - start) / 1e12


def run_variant(name, amp, args, config, images, device):
    kind, switches, fused = variant_settings(name, args, config)
    model_cfg = model_config(kind, args, config, switches)
    result = dict(model=kind, amp=amp, switches=switches, fused_adamw=fused)
    if switches.get('residual_in_autocast_dtype') and amp == 'none':
        return dict(result, skipped='no autocast: the residual stream is fp32 anyway')
    model = optim_wrapper = None
    try:
        torch.manual_seed(0)
        model = MODELS.build(model_cfg)
        model.init_weights()
        model.to(device).train()
        optim_wrapper = build_optim_wrapper(
            model, optim_wrapper_config(config, fused, amp, device))
        torch.manual_seed(1)  # the same order / mask draws for every variant
        result.update(measure(model, optim_wrapper, images, args, device))
    except torch.cuda.OutOfMemoryError:
        result['error'] = 'out of memory'
    except Exception as e:  # one failing variant must not lose the others' numbers
        traceback.print_exc()
        result['error'] = f'{type(e).__name__}: {e}'
    finally:
        del model, optim_wrapper
        gc.collect()
        if device.type == 'cuda':
            torch.cuda.empty_cache()
        torch._dynamo.reset()
    return result


def row_name(name, amp, precisions):
    """A variant's row: its name, with its precision when several are run."""
    return name if len(precisions) == 1 else f'{name} [{amp}]'


def add_ratios(results, flops, matmul, precisions):
    """Per row: speed-up over causal (in the same precision) and over the same variant in
    fp32, throughput and memory against explicit, step time against MAE, achieved TFLOP/s
    and its fraction of the bf16 matrix-product rate."""
    def ratio(value, reference):
        return None if value is None or reference is None else value / reference

    def of(name, amp, key):
        return results.get(row_name(name, amp, precisions), {}).get(key)

    for r in results.values():
        if 'step_s' not in r:
            continue
        name, amp = r['variant'], r['amp']
        r['train_gflop_per_image'] = flops[r['model']]
        r['tflops'] = flops[r['model']] * r['images_per_s'] / 1e3
        r['matmul_fraction'] = ratio(r['tflops'], matmul)
        r['speedup_vs_causal'] = ratio(of('causal', amp, 'step_s'), r['step_s'])
        r['speedup_vs_fp32'] = ratio(of(name, 'none', 'step_s'), r['step_s'])
        r['throughput_vs_explicit'] = ratio(of('explicit', amp, 'step_s'), r['step_s'])
        r['step_vs_mae'] = ratio(r['step_s'], of('mae', amp, 'step_s'))
        r['memory_vs_explicit'] = ratio(r['peak_mib'], of('explicit', amp, 'peak_mib'))


def fmt(x, spec):
    return '-' if x is None else format(x, spec)


def print_table(results, header):
    print(header)
    print('| variant | ms/step | img/s | speed-up vs causal | speed-up vs fp32 | '
          'throughput vs explicit | peak MiB | memory vs explicit | GFLOP/img | TFLOP/s | '
          'of bf16 matmul | step vs MAE | warm-up s |')
    print('|' + ' --- |' * 13)
    for name, r in results.items():
        if 'step_s' not in r:
            print(f"| {name} | {r.get('error') or 'skipped: ' + r['skipped']} |" + ' |' * 11)
            continue
        print(f"| {name} | {1e3 * r['step_s']:.1f} | {r['images_per_s']:.1f} | "
              f"{fmt(r['speedup_vs_causal'], '.2f')}x | {fmt(r['speedup_vs_fp32'], '.2f')}x | "
              f"{fmt(r['throughput_vs_explicit'], '.2f')}x | {fmt(r['peak_mib'], '.0f')} | "
              f"{fmt(r['memory_vs_explicit'], '.2f')} | {r['train_gflop_per_image']:.2f} | "
              f"{r['tflops']:.3f} | {fmt(r['matmul_fraction'], '.1%')} | "
              f"{fmt(r['step_vs_mae'], '.2f')}x | {r['warmup_s']:.1f} |")


def main(args):
    args = check_args(args)
    device = torch.device(args.device)
    MMLogger.get_current_instance().setLevel(logging.WARNING)  # no per-parameter reports
    config = read_config(args.config)
    init_default_scope(config.get('default_scope', 'mmpretrain'))
    torch.manual_seed(0)
    images = torch.randn(args.batch_size, 3, args.img_size, args.img_size, device=device)
    results = {
        row_name(name, amp, args.amp): dict(run_variant(name, amp, args, config, images, device),
                                            variant=name)
        for amp in args.amp for name in args.variants}
    kinds = {r['model'] for r in results.values() if 'step_s' in r}
    flops = {kind: train_gflop_per_image(model_config(kind, args, config, {}), args)
             for kind in kinds}
    matmul = matmul_tflops(device, MATMUL_SIZE if device.type == 'cuda' else CPU_MATMUL_SIZE)
    add_ratios(results, flops, matmul, args.amp)
    report = dict(
        date=datetime.datetime.now().isoformat(timespec='seconds'),
        hardware=hardware_name(device), device=device.type, torch=torch.__version__,
        command=' '.join(sys.argv), arch=args.arch, img_size=args.img_size,
        patch_size=args.patch_size, batch_size=args.batch_size, steps=args.steps,
        warmup=args.warmup, amp=args.amp, config=osp.relpath(args.config, REPO_ROOT),
        matmul_bf16_tflops=matmul, variants=results)
    header = (f"{report['date']}, {report['hardware']}, torch {torch.__version__}: "
              f'arch {args.arch}, {args.img_size} px, patch {args.patch_size}, batch '
              f'{args.batch_size}, precisions {" ".join(args.amp)}, median of {args.steps} '
              f'timed steps after {args.warmup} warm-up; bf16 matmul {matmul:.2f} TFLOP/s')
    print_table(results, header)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(report, f, indent=2)
    print(f'\nwritten: {args.out}')


if __name__ == '__main__':
    run_tool(build_parser(), main)
