"""FLOPs and parameters of a model config, counted by mmengine's complexity analysis.

    python tools/analysis/get_flops.py CONFIG [--shape H W] [--table]

For a SAIM pretraining config it counts two things: the encoder alone (``model.backbone`` as
a plain ViT, full attention: what fine-tuning and every downstream task run) and one
pretraining step's forward (an order drawn, the content stream, the query stream, the head
and the loss). For any other mmpretrain model it counts ``extract_feat``.

One multiply-add counts as one FLOP (mmengine's convention, as mmpretrain's model zoo).
mmengine has no counter for ``scaled_dot_product_attention``; this tool adds one that counts
its two matrix products in full (L x S x d per head each), causal or not, as the explicit-mask
computation does them; fused causal kernels skip about half of that work. Element-wise and
indexing operations (additions, GELU, the order's argsort) are not counted; the tool names
them.
"""
from math import prod
from typing import Callable, List, Tuple

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.analysis.jit_handles import get_shape
from mmengine.analysis.print_helper import complexity_stats_table
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS
from rich.progress import track

from mmsaim.cli import check_image_size, positive_int, run_tool, tool_parser
from mmsaim.runner import read_config


def attention_flop_jit(inputs: list, outputs: list) -> int:
    """``scaled_dot_product_attention(q, k, v)`` with q (..., L, d), k (..., S, d) and v
    (..., S, dv): ``q @ k^T`` and ``attn @ v``, ``prod(...) * L * S * (d + dv)``."""
    q, k, v = (get_shape(x) for x in inputs[:3])
    return prod(q[:-2]) * q[-2] * k[-2] * (q[-1] + v[-1])


class Traced(nn.Module):
    """``fn(images)`` as a module that mmengine's tracer can analyse; ``model`` owns the
    parameters ``fn`` uses."""

    def __init__(self, model: nn.Module, fn: Callable[[torch.Tensor], torch.Tensor]):
        super().__init__()
        self.model = model
        self.fn = fn

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.fn(images)


def pretraining_loss(model: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """images -> the loss of one pretraining step of a self-supervised model (SAIM, MAE)."""
    return lambda images: model.loss(images, [])['loss']


def parts_to_count(model: nn.Module) -> List[Tuple[str, nn.Module, Callable]]:
    """``(name, module owning the parameters, images -> output)`` for each count."""
    if type(model).__name__ == 'SAIM':
        return [('encoder (plain ViT forward)', model.backbone, model.backbone),
                ('pretraining step (both streams, head, loss)', model,
                 pretraining_loss(model))]
    return [('extract_feat', model, model.extract_feat)]


def count(module: nn.Module, fn: Callable, images: torch.Tensor) -> FlopAnalyzer:
    """mmengine's FLOP analysis of ``fn(images)``, with the attention counter added."""
    analyzer = FlopAnalyzer(Traced(module, fn), (images, ))
    analyzer.set_op_handle('aten::scaled_dot_product_attention', attention_flop_jit)
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return analyzer


def parse_args():
    parser = tool_parser(__doc__)
    parser.add_argument('config', help='mmpretrain / mmsaim config')
    parser.add_argument('--shape', type=positive_int, nargs=2, metavar=('H', 'W'),
                        help="input image size (default: the backbone's img_size, else 224)")
    parser.add_argument('--table', action='store_true', help='print the per-module table')
    return parser


def main(args):
    cfg = read_config(args.config)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    if cfg.model.get('compile_blocks'):  # the same arithmetic, in a form the tracer reads
        cfg.model.compile_blocks = False
    model = MODELS.build(cfg.model)
    model.eval()
    shape = args.shape or getattr(model.backbone, 'img_size', (224, 224))
    patch_embed = getattr(model.backbone, 'patch_embed', None)
    if patch_embed is not None:
        check_image_size(shape, patch_embed.projection.stride[0], '--shape')
    images = torch.randn(1, 3, *shape)
    print(f'{args.config}, input (1, 3, {shape[0]}, {shape[1]}):')
    # Tracing ViT-L takes seconds per part.
    for name, module, fn in track(parts_to_count(model), description='Counting FLOPs',
                                  transient=True):
        analyzer = count(module, fn, images)
        params = parameter_count(module)['']
        print(f'  {name}: {analyzer.total() / 1e9:.4g} GFLOPs, {params / 1e6:.4g} M parameters')
        print(f'    not counted: {", ".join(sorted(analyzer.unsupported_ops())) or "none"}')
        if args.table:
            print(complexity_stats_table(analyzer, show_param_shapes=False))


if __name__ == '__main__':
    run_tool(parse_args(), main)
