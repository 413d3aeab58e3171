"""Publish a training checkpoint: keep the weights and plain metadata, name it by its hash.

    python tools/model_converters/publish_model.py work_dirs/saim/epoch_300.pth saim_vit-b.pth
    # -> saim_vit-b-<first 8 hex digits of its sha256>.pth

The optimizer, the parameter schedulers and the message hub are dropped; ``meta`` keeps
only plain types, so the file loads with ``torch.load(..., weights_only=True)`` and into a
stock mmpretrain ``VisionTransformer`` without mmsaim
(``init_cfg=dict(type='Pretrained', checkpoint=FILE, prefix='backbone.')``).
"""
from mmsaim.apis import publish_checkpoint
from mmsaim.cli import run_tool, tool_parser


def parse_args():
    parser = tool_parser(__doc__)
    parser.add_argument('in_file', help='the training checkpoint')
    parser.add_argument('out_file', help='the published file, before its hash is added')
    return parser


def main(args):
    print(publish_checkpoint(args.in_file, args.out_file))


if __name__ == '__main__':
    run_tool(parse_args(), main)
