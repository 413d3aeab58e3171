"""Every tool's command line: help that shows the examples, user errors in one line.

Every tool under ``tools/`` builds its parser with :func:`tool_parser` and runs with
:func:`run_tool`, so that a mistake a user can make (a bad value, path or file) ends the
tool with ``<tool>: error: <what is wrong and what to do>`` and exit status 2, the way
argparse reports a bad argument, instead of a traceback. ``--debug`` (or
``MMSAIM_DEBUG=1``) shows the traceback.
"""
import argparse
import os
import sys
from typing import Callable, Optional

from mmengine.config import DictAction

from ..runner import CheckpointError

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


def one_line(error: BaseException) -> str:
    """The message of ``error`` on one line. An error that a DataLoader worker raised carries
    the worker's traceback in its message; its last line is the original message."""
    text = str(error).strip()
    if 'Original Traceback' in text:
        text = text.splitlines()[-1].split(': ', 1)[-1]
    return ' '.join(text.split()) or type(error).__name__


def debugging(args: Optional[argparse.Namespace] = None) -> bool:
    return bool(getattr(args, 'debug', False)) or os.environ.get('MMSAIM_DEBUG') == '1'


def run_tool(parser: argparse.ArgumentParser, main: Callable[[argparse.Namespace], None],
             argv=None) -> None:
    """Parse the command line and run ``main(args)``; a user error ends the tool with one
    line and exit status 2 (see the module docstring)."""
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
