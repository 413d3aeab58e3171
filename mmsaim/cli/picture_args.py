"""The command line that the picture tools (``tools/visualization/*.py``) share."""
import argparse
import os.path as osp
from typing import Sequence

from ..apis import ORDER_NAMES, init_model
from ..models.selfsup import SAIM
from ..runner import read_config
from .tool import device


def add_model_args(parser: argparse.ArgumentParser) -> None:
    """``CONFIG CHECKPOINT`` and ``--device``."""
    parser.add_argument('config', help='SAIM pretraining config')
    parser.add_argument('checkpoint', help='checkpoint of that config')
    parser.add_argument('--device', type=device, default='cpu', help='e.g. cpu, cuda:0')


def parse_order(text: str):
    """A name of :data:`ORDER_NAMES`, or comma-separated patch indices (a permutation)."""
    if text in ORDER_NAMES:
        return text
    try:
        return [int(i) for i in text.split(',')]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'{text!r}: give one of {", ".join(ORDER_NAMES)} or comma-separated patch '
            'indices') from None


def add_order_arg(parser: argparse.ArgumentParser, default: str) -> None:
    """``--order NAME|I,J,K,...`` and ``--seed`` (of random orders)."""
    parser.add_argument('--order', type=parse_order, default=default,
                        help=f'{", ".join(ORDER_NAMES)}, or a permutation of the patch indices '
                        f'(raster numbering), e.g. 3,2,1,0 (default {default})')
    parser.add_argument('--seed', type=int, default=0, help='seed of random choices')


def init_saim_from_args(args: argparse.Namespace, files: Sequence[str] = ()):
    """The SAIM model of ``args.config`` with ``args.checkpoint`` on ``args.device``.

    Raises:
        FileNotFoundError: the config, the checkpoint or one of ``files`` does not exist.
        CheckpointError: the checkpoint does not fit the config, or is refused.
        ValueError: the config is not SAIM pretraining.
    """
    for path in (args.config, args.checkpoint, *files):
        if not osp.isfile(path):
            raise FileNotFoundError(f'no such file: {path}')
    model_type = read_config(args.config).model.get('type')
    if model_type != SAIM.__name__:
        raise ValueError(f'{args.config} is not a SAIM pretraining config (its model is a '
                         f'{model_type}); the pictures need the query stream and head of '
                         'pretraining')
    return init_model(args.config, args.checkpoint, args.device)
