"""Every tool's command line: help that shows the examples, user errors in one line.

Every tool under ``tools/`` builds its parser with :func:`tool_parser` and runs with
:func:`run_tool`, so that a mistake a user can make (a bad value, path or file) ends the
tool with ``<tool>: error: <what is wrong and what to do>`` and exit status 2, the way
argparse reports a bad argument, instead of a traceback. ``--debug`` (or
``MMSAIM_DEBUG=1``) shows the traceback. Warnings that the OpenMMLab stack gives on every
run and that ask nothing of the user are not shown (:func:`hide_dependency_notices`).
"""
import argparse
import os
import re
import sys
import warnings
from typing import Callable, Optional

import torch
from mmengine.config import DictAction

from ..fileio import CheckpointError

# What a user's input can cause, and a diverged training run (its message says what to do);
# anything else is a bug and keeps its traceback.
USER_ERRORS = (CheckpointError, ValueError, OSError, FloatingPointError)


class ToolArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line."""

    def error(self, message: str):
        self.exit(2, f'{self.prog}: error: {message} (see --help)\n')


def tool_parser(doc: str) -> ToolArgumentParser:
    """A parser whose ``--help`` shows the tool's docstring ``doc`` whole (its usage
    examples included), with ``--debug``."""
    parser = ToolArgumentParser(description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--debug', action='store_true',
                        help='show the traceback of an error (also MMSAIM_DEBUG=1)')
    return parser


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` for ``--cfg-options KEY=VALUE ...``, refusing an item
    without ``=`` and a value it cannot read as a usage error."""

    def __call__(self, parser, namespace, values, option_string=None):
        for item in values or ():
            key, sep, value = item.partition('=')
            if not sep or not key:
                parser.error(f'{option_string} {item!r}: give KEY=VALUE, e.g. '
                             'train_cfg.max_epochs=20')
            try:
                self._parse_iterable(value)
            except (AssertionError, RecursionError, ValueError):
                parser.error(f'{option_string} {item!r}: cannot read {value!r}; give a number, '
                             'true/false/None, a string, or a list as [a,b] or (a,b)')
        super().__call__(parser, namespace, values, option_string)


MAX_MESSAGE = 600  # characters of an error message a tool prints


def one_line(error: BaseException) -> str:
    """The message of ``error`` on one line, printable and at most :data:`MAX_MESSAGE`
    characters. An error that a DataLoader worker raised carries the worker's traceback in
    its message; its last line is the original message."""
    text = str(error).strip()
    if 'Original Traceback' in text:
        text = text.splitlines()[-1].split(': ', 1)[-1]
    text = ' '.join(text.split()) or type(error).__name__
    text = ''.join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 3] + '...'


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f'{text!r}: give an integer >= 1')
    return value


def device(text: str) -> str:
    """An argparse type: a torch device this machine has, such as cpu or cuda:0."""
    try:
        kind = torch.device(text).type
    except RuntimeError:
        raise argparse.ArgumentTypeError(f'{text!r}: give a device such as cpu, cuda or '
                                         'cuda:0') from None
    if kind == 'cuda' and not torch.cuda.is_available():
        raise argparse.ArgumentTypeError(f'{text!r}: this machine has no CUDA device; give cpu')
    return text


def check_image_size(shape, patch_size: int, option: str) -> None:
    """Refuse image sizes that are not multiples of the encoder's patch size."""
    if any(size % patch_size for size in shape):
        raise ValueError(f'{option} {" ".join(map(str, shape))}: give sizes that are '
                         f'multiples of the patch size, {patch_size}')


def output_file(path: str) -> str:
    """``path`` with its folder created, for a tool to write."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return path


def debugging(args: Optional[argparse.Namespace] = None) -> bool:
    return bool(getattr(args, 'debug', False)) or os.environ.get('MMSAIM_DEBUG') == '1'


# Warnings of the OpenMMLab stack on every run, addressed to its developers: mmengine imports
# (and reloads) setuptools' deprecated pkg_resources, mmseg builds its losses with a helper it
# deprecates.
DEPENDENCY_NOTICES = ('pkg_resources is deprecated', '``build_loss`` would be deprecated')


def hide_dependency_notices() -> None:
    """Ignore the :data:`DEPENDENCY_NOTICES` (``UserWarning`` s) in this process and the
    processes it forks."""
    for message in DEPENDENCY_NOTICES:
        warnings.filterwarnings('ignore', message=re.escape(message), category=UserWarning)


def run_tool(parser: argparse.ArgumentParser, main: Callable[[argparse.Namespace], None],
             argv=None) -> None:
    """Parse the command line and run ``main(args)``; a user error ends the tool with one
    line and exit status 2 (see the module docstring)."""
    hide_dependency_notices()
    args = parser.parse_args(argv)
    try:
        main(args)
    except USER_ERRORS as e:
        if debugging(args):
            raise
        parser.exit(2, f'{parser.prog}: error: {one_line(e)}\n')
    except KeyboardInterrupt:
        sys.exit(130)


def refuse_overwriting_input(out: str, *inputs: str) -> None:
    """Raise ``FileExistsError`` when the output path ``out`` is one of the ``inputs``."""
    for path in inputs:
        if path and os.path.exists(path) and os.path.exists(out) and os.path.samefile(
                out, path):
            raise FileExistsError(f'the output {out} is the input {path}; writing it would '
                                  'destroy the input: give another output path')


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """The arguments ``tools/train.py`` and ``tools/test.py`` share (mmpretrain's names)."""
    parser.add_argument('--work-dir', help='the dir to save logs, checkpoints and metrics')
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptionsAction, metavar='KEY=VALUE',
        help='override settings of the config, e.g. train_cfg.max_epochs=20')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0,
                        action=_LocalRank, help=argparse.SUPPRESS)


class _LocalRank(argparse.Action):
    """``--local_rank N`` of ``torch.distributed.launch``, as torchrun's ``LOCAL_RANK``."""

    def __call__(self, parser, namespace, values, option_string=None):
        os.environ.setdefault('LOCAL_RANK', str(values))
        setattr(namespace, self.dest, values)
