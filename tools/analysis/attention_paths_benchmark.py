"""Time and memory of SAIM's two attention paths, as ratios measured in one run.

    python tools/analysis/attention_paths_benchmark.py [--arch base] [--img-size 224]
        [--batch-size 8] [--steps 5] [--device cuda]

Runs forward + backward of the same SAIM model (encoder and 12-block query stream) with the
causal path (permuted sequence, ``scaled_dot_product_attention(is_causal=True)``) and with
the explicit-mask reference path, and prints seconds per step and, on CUDA, the peak memory
of each, with explicit / causal ratios.
"""
import argparse
import time

import torch

import mmsaim  # noqa: F401
from mmpretrain.registry import MODELS
from mmsaim.models.utils import AutoregressiveOrder, sample_order


def build(arch, img_size, patch_size, device):
    from mmpretrain.models import VisionTransformer
    settings = VisionTransformer.arch_zoo[arch]
    dims, heads, depth = (settings['embed_dims'], settings['num_heads'],
                          settings['num_layers'])
    model = MODELS.build(dict(
        type='SAIM',
        backbone=dict(type='SAIMViT', arch=arch, img_size=img_size, patch_size=patch_size),
        neck=dict(type='SAIMQueryDecoder', embed_dims=dims, num_heads=heads, depth=depth,
                  encoder_depth=depth),
        head=dict(type='SAIMPixelHead', embed_dims=dims, patch_size=patch_size)))
    return model.to(device)


def measure(model, images, order, steps, device):
    def step():
        loss = model.head.loss(model.predict_features(images, order), images)
        loss.backward()
        model.zero_grad(set_to_none=True)

    step()  # warm-up
    if device.type == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == 'cuda':
        torch.cuda.synchronize()
    seconds = (time.perf_counter() - start) / steps
    peak = torch.cuda.max_memory_allocated() / 2**20 if device.type == 'cuda' else None
    return seconds, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--arch', default='base')
    parser.add_argument('--img-size', type=int, default=224)
    parser.add_argument('--patch-size', type=int, default=16)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    model = build(args.arch, args.img_size, args.patch_size, device)
    images = torch.randn(args.batch_size, 3, args.img_size, args.img_size, device=device)
    N = (args.img_size // args.patch_size)**2
    order = sample_order(args.batch_size, N, device=device)
    results = {name: measure(model, images, AutoregressiveOrder(order, explicit), args.steps,
                             device)
               for name, explicit in (('causal', False), ('explicit masks', True))}
    print(f'{args.arch}, {args.img_size} px, batch {args.batch_size}, {N} patches, '
          f'{device.type}:')
    for name, (seconds, peak) in results.items():
        memory = '' if peak is None else f', peak {peak:.0f} MiB'
        print(f'  {name:15s} {seconds:.3f} s/step{memory}')
    (t_c, m_c), (t_e, m_e) = results['causal'], results['explicit masks']
    ratios = f'explicit / causal: time {t_e / t_c:.2f}x'
    if m_c is not None:
        ratios += f', peak memory {m_e / m_c:.2f}x'
    print(ratios)


if __name__ == '__main__':
    main()
