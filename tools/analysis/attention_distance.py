r"""How far each block of the benchmark's encoders looks: mean attention distance per block.

    python tools/analysis/attention_distance.py WORK_DIR [--preset cpu] [--data-root DIR]
        [--methods saim saim_raster ...] [--num-images 1024] [--out FILE.json]

Examples:
    python tools/analysis/attention_distance.py work_dirs/representation_benchmark_cpu \
        --data-root data/imagenette --methods saim saim_raster random

For every encoder that ``tools/analysis/representation_benchmark.py`` published in WORK_DIR
(``results.json``), the encoder runs as fine-tuning and the frozen evaluations run it (full
attention, no order) on the center crops of the first ``--num-images`` val images. For each
block and head, the mean attention distance is the distance, in pixels, between a patch
token and the patches it attends to, weighted by its attention probabilities and averaged
over the patch tokens and images (Dosovitskiy et al. 2021, Fig. 7); the attention a patch
pays to ``cls`` is reported apart (``cls share``). Prints one table per encoder (blocks x
mean over heads, min and max head) and writes the numbers as JSON.
"""
import json
import os.path as osp
import sys
from typing import Dict

import torch
from mmengine.registry import init_default_scope
from mmpretrain.registry import DATASETS, MODELS

from mmsaim.cli import run_tool, tool_parser
from mmsaim.models.utils import attention_probabilities, patch_grid
from mmsaim.runner import summarized_init_report

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # tools/ are scripts, not a package
from imagenette_benchmark.presets import read_preset  # noqa: E402


def patch_distances(grid, patch_size: int) -> torch.Tensor:
    """(N, N) distances in pixels between the centres of the patches of an (h, w) grid."""
    rows, cols = torch.meshgrid(torch.arange(grid[0]), torch.arange(grid[1]), indexing='ij')
    centres = torch.stack([rows.flatten(), cols.flatten()], dim=1).float() * patch_size
    return torch.cdist(centres, centres)


@torch.no_grad()
def attention_statistics(encoder, images: torch.Tensor) -> Dict[str, torch.Tensor]:
    """``distance`` and ``cls_share`` (blocks, heads) of a VisionTransformer on normalized
    (B, 3, H, W) images: each block's attention recomputed from its attention module's
    input (``softmax(q k^T / sqrt(d))``, what ``scaled_dot_product_attention`` applies)."""
    patch_size = encoder.patch_embed.projection.stride[0]
    distances = patch_distances(patch_grid(images.shape, patch_size), patch_size).to(
        images.device)
    extra = encoder.num_extra_tokens
    stats = {'distance': [], 'cls_share': []}

    def record(module, args, output):
        q, k, _ = module.qkv(args[0]).unflatten(-1, (3, module.num_heads, -1)).permute(
            2, 0, 3, 1, 4)
        probs = attention_probabilities(q, k)[:, :, extra:]  # patch queries, every key
        stats['cls_share'].append(probs[..., :extra].sum(-1).mean(dim=(0, 2)))
        patches = probs[..., extra:]
        stats['distance'].append((patches * distances).sum(-1).mean(dim=(0, 2)))

    handles = [layer.attn.register_forward_hook(record) for layer in encoder.layers]
    try:
        encoder.eval()
        encoder(images)
    finally:
        for handle in handles:
            handle.remove()
    return {name: torch.stack(values) for name, values in stats.items()}


def main(args):
    results_file = osp.join(args.work_dir, 'results.json')
    if not osp.isfile(results_file):
        raise FileNotFoundError(f'no {results_file}: give the work dir of a '
                                'representation_benchmark.py run')
    with open(results_file) as f:
        methods = json.load(f)['methods']
    cfg = read_preset(args.preset).load('eval_knn.py')
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    dataset = dict(cfg.test_dataloader.dataset, split='val', data_root=args.data_root)
    val = DATASETS.build(dataset)
    batch = val.__getitems__(list(range(min(args.num_images, len(val)))))
    report = {}
    for method in args.methods or list(methods):
        checkpoint = methods.get(method, {}).get('pretrain', {}).get('checkpoint')
        if checkpoint is None or not osp.isfile(checkpoint):
            raise FileNotFoundError(f'{method}: no published encoder in {results_file}')
        encoder_cfg = cfg.model.deepcopy()
        encoder_cfg.backbone.init_cfg.checkpoint = checkpoint
        model = MODELS.build(encoder_cfg)
        with summarized_init_report(model):
            model.init_weights()
        images = model.data_preprocessor(batch)['inputs']
        stats = attention_statistics(model.backbone, images)
        report[method] = {name: value.tolist() for name, value in stats.items()}
        distance = stats['distance']
        print(f'\n{method}: mean attention distance (px; {len(images)} val images)')
        print('| block | mean over heads | min head | max head | cls share |\n|---|---|---|---|---|')
        for block, (per_head, share) in enumerate(zip(distance, stats['cls_share']), 1):
            print(f'| {block} | {per_head.mean():.2f} | {per_head.min():.2f} | '
                  f'{per_head.max():.2f} | {share.mean():.3f} |')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(num_images=len(batch['inputs']), encoders=report), f, indent=1)
        print(f'\nwritten: {args.out}')


def build_parser():
    parser = tool_parser(__doc__)
    parser.add_argument('work_dir', help='the work dir of a representation_benchmark.py run')
    parser.add_argument('--preset', default='cpu', help='the preset that run used')
    parser.add_argument('--data-root', default='data/imagenette',
                        help='the ImageNet-style folder that run used')
    parser.add_argument('--methods', nargs='+', help='rows to read (default: every row)')
    parser.add_argument('--num-images', type=int, default=1024, help='val images to use')
    parser.add_argument('--out', help='write the numbers to this JSON file')
    return parser


if __name__ == '__main__':
    run_tool(build_parser(), main)
