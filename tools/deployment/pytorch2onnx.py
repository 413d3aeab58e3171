r"""Export the SAIM encoder of a checkpoint to ONNX, and check it with ONNX Runtime.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out encoder.onnx \
        [--shape 224 224] [--out-type raw|featmap|cls_token|avg_featmap] [--verify]

The encoder is the config's ``model.backbone`` (``SAIMViT``, or mmpretrain's
``VisionTransformer`` of a fine-tuning config) in its plain ViT forward (full attention, no
order), as fine-tuning and feature extraction run it, with its weights from CHECKPOINT
(under ``backbone.``, every key required). The ONNX graph has one input ``images``
(B, 3, H, W), normalized as the config's data preprocessor does, and one output
``features``: ``raw`` (B, 1 + N, D) every token after the final norm, ``featmap``
(B, D, H / p, W / p) the patch tokens, ``cls_token`` (B, D), ``avg_featmap`` (B, D) (needs the
``ln2`` of a fine-tuned checkpoint). The batch axis is dynamic; H and W are fixed at export
(``--shape``, by default the config's ``img_size``). A pretrained SAIM encoder's cls token
has attended only to itself, so use ``raw`` or ``featmap`` before fine-tuning.

``--verify`` runs the exported file with ONNX Runtime on a batch of two random images and
stops with an error if it differs from PyTorch by more than 1e-4.
"""
import os.path as osp
import warnings

import torch
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

from mmsaim.cli import (check_image_size, output_file, positive_int, refuse_overwriting_input,
                        run_tool, tool_parser)
from mmsaim.converters import encoder_state_dict, load_checkpoint_weights
from mmsaim.models.utils.pretrained_encoder import mismatches
from mmsaim.runner import read_config

OUT_TYPES = ('raw', 'featmap', 'cls_token', 'avg_featmap')
# The opsets torch's TorchScript exporter writes.
OPSETS = range(7, 21)
TOLERANCE = 1e-4


def build_encoder(config: str, checkpoint: str, out_type: str) -> torch.nn.Module:
    """The config's ``model.backbone`` with ``out_type``, loaded from ``checkpoint``, in eval
    mode."""
    cfg = read_config(config)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    backbone = cfg.model.backbone.copy()
    backbone.pop('init_cfg', None)
    encoder = MODELS.build(dict(backbone, out_type=out_type))
    weights = encoder_state_dict(load_checkpoint_weights(checkpoint))
    missing, shapes = mismatches(encoder.state_dict(), weights)
    unexpected = sorted(set(weights) - set(encoder.state_dict()))
    if missing or shapes or unexpected:
        raise ValueError(f'{checkpoint} does not fit the encoder of {config} with out_type='
                         f'{out_type}: missing {missing[:3]}, of other shapes {shapes[:3]}, '
                         f'unexpected {unexpected[:3]}. Give the config the checkpoint was '
                         'trained with (avg_featmap needs the ln2 of a fine-tuned checkpoint).')
    encoder.load_state_dict(weights)
    encoder.eval()
    return encoder


def export(encoder: torch.nn.Module, path: str, shape, opset: int) -> None:
    """Write ``encoder`` as ONNX: ``images`` (B, 3, H, W) -> ``features``, dynamic B."""
    images = torch.randn(1, 3, *shape)
    with warnings.catch_warnings():
        # The patch padding and position-embedding checks become constants of the fixed size.
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        # dynamo=False: the TorchScript exporter, which needs no onnxscript.
        torch.onnx.export(
            encoder, (images, ), path, input_names=['images'], output_names=['features'],
            dynamic_axes={'images': {0: 'batch'}, 'features': {0: 'batch'}},
            opset_version=opset, dynamo=False)


def verify(encoder: torch.nn.Module, path: str, shape) -> float:
    """Max absolute difference of ONNX Runtime and PyTorch on two random images."""
    import onnxruntime
    images = torch.randn(2, 3, *shape)
    session = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider'])
    (onnx_features, ) = session.run(None, {'images': images.numpy()})
    with torch.no_grad():
        (torch_features, ) = encoder(images)
    return float((torch.from_numpy(onnx_features) - torch_features).abs().max())


def parse_args():
    parser = tool_parser(__doc__)
    parser.add_argument('config', help='config whose model.backbone is the encoder')
    parser.add_argument('checkpoint', help='SAIM (or mmpretrain) checkpoint')
    parser.add_argument('--out', required=True, help='the .onnx file to write')
    parser.add_argument('--shape', type=positive_int, nargs=2, metavar=('H', 'W'),
                        help="input size (default: the backbone's img_size)")
    parser.add_argument('--out-type', choices=OUT_TYPES, default='raw', help='the features')
    parser.add_argument('--opset', type=int, default=17,
                        help=f'ONNX opset version, {OPSETS.start} to {OPSETS.stop - 1}')
    parser.add_argument('--verify', action='store_true', help='compare with ONNX Runtime')
    return parser


def main(args):
    refuse_overwriting_input(args.out, args.config, args.checkpoint)
    for path in (args.config, args.checkpoint):
        if not osp.isfile(path):
            raise FileNotFoundError(f'no such file: {path}')
    if args.opset not in OPSETS:
        raise ValueError(f'--opset {args.opset}: the exporter writes opsets {OPSETS.start} to '
                         f'{OPSETS.stop - 1}')
    encoder = build_encoder(args.config, args.checkpoint, args.out_type)
    shape = args.shape or encoder.img_size
    check_image_size(shape, encoder.patch_embed.projection.stride[0], '--shape')
    export(encoder, output_file(args.out), shape, args.opset)
    print(f'{args.out}: images (B, 3, {shape[0]}, {shape[1]}) -> {args.out_type} features')
    if args.verify:
        difference = verify(encoder, args.out, shape)
        print(f'ONNX Runtime vs PyTorch, batch of 2: max abs difference {difference:.2e}')
        if difference > TOLERANCE:
            raise ValueError(f'ONNX Runtime differs from PyTorch by {difference:.2e} '
                               f'(> {TOLERANCE}); try another --opset')


if __name__ == '__main__':
    run_tool(parse_args(), main)
