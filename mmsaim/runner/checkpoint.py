"""Checkpoint files that cannot run code, and that say what is wrong with them.

Every checkpoint that mmsaim, its tools and its Runner (resume, ``load_from``,
``init_cfg=dict(type='Pretrained')``) read from local disk goes through
:func:`load_checkpoint_file`: ``torch.load(weights_only=True)`` with stand-ins for NumPy
and mmengine's ``HistoryBuffer``, then a check that rebuilds everything from plain values
(:mod:`mmsaim.runner.plain_data`). Nothing that a checkpoint names can call a function or
reach a module, and nothing it holds can crash the code that later copies or compares it;
anything else is refused with an error that names it and its key.
"""
import glob
import os
import os.path as osp
import pickle
import re
import zipfile
from typing import Any, List, Optional, Sequence

import torch

from .plain_data import PlainDataError, as_plain_data, unpickler_allowlist

CHECKPOINT_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')
PICKLE_PROTOCOL = 0x80  # the first byte of a pickle (torch's legacy, non-zip format)
ZIP_MAGIC = b'PK\x03\x04'  # the first bytes of a zip archive (torch.save's format)


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be used: refused, incomplete or of the wrong model."""


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole ``torch.save`` archive (a cut-off file lacks its index)."""
    return osp.isfile(path) and zipfile.is_zipfile(path)


_REFUSAL = re.compile(r'GLOBAL (\S+)|(getattr\(.*?\)) \(|unrecognized function (\S+)'
                     r'|(numpy _reconstruct of [^,]*)')


def _refused_name(error: Exception) -> str:
    """What torch's weights-only unpickler (or a stand-in) refused, from its message."""
    match = _REFUSAL.search(str(error))
    return next(g for g in match.groups() if g) if match else str(error).splitlines()[0]


def _torch_file_kind(filename: str) -> Optional[str]:
    """'zip' (what torch.save writes, maybe cut off), 'legacy' (a pickle: torch < 1.6), or
    None for anything else."""
    with open(filename, 'rb') as f:
        head = f.read(4)
    if head == ZIP_MAGIC:
        return 'zip'
    return 'legacy' if head[:1] == bytes([PICKLE_PROTOCOL]) else None


def _refusal(filename: str, what: str) -> CheckpointError:
    return CheckpointError(
        f'Refusing to load {filename}: it holds {what}, which is not plain checkpoint data '
        '(tensors, numbers, strings, containers, numeric NumPy arrays, mmengine log '
        'buffers). A checkpoint that needs it could run code or crash the process; load '
        'only checkpoints you trust, and convert others to plain state dicts.')


def load_checkpoint_file(filename: str, map_location: Any = None,
                         plain_classes: Sequence[type] = ()) -> Any:
    """Load a local checkpoint safely (see the module docstring).

    ``plain_classes`` are further classes the caller takes as plain data: they are built
    without calling anything and their attributes set from the (equally checked) pickled
    state, e.g. the ``argparse.Namespace`` of arguments in the public SAIM release.

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: the file is not a PyTorch checkpoint, is cut off or corrupt (the
            message names the newest complete checkpoint beside it), or holds something
            other than plain checkpoint data (the message names what and where).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if _torch_file_kind(filename) is None:
        raise CheckpointError(
            f'{filename} is not a PyTorch checkpoint (a file written by torch.save); give '
            'the .pth file that training or a converter wrote.')
    try:
        with torch.serialization.safe_globals([*unpickler_allowlist(), *plain_classes]):
            checkpoint = torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        raise _refusal(filename, _refused_name(e)) from None
    except (RuntimeError, EOFError) as e:
        if is_complete_checkpoint(filename) and not isinstance(e, EOFError):
            raise
        previous = find_resumable_checkpoint(osp.dirname(filename) or '.', exclude=filename)
        hint = (f' The newest complete checkpoint beside it is {previous}; resume from it '
                f'with `--resume {previous}`.' if previous else '')
        raise CheckpointError(f'{filename} is incomplete or corrupt ({str(e).strip()}); it '
                              f'was probably cut off while being written.{hint}') from None
    try:
        return as_plain_data(checkpoint, plain_classes=tuple(plain_classes))
    except PlainDataError as e:
        raise _refusal(filename, f'{e.problem} at {e.key or "its top level"}') from None


def checkpoint_files(work_dir: str) -> List[str]:
    """The ``epoch_N.pth`` / ``iter_N.pth`` files in ``work_dir``, newest (highest N) first."""
    found = []
    for path in glob.glob(osp.join(glob.escape(work_dir), '*.pth')):
        match = CHECKPOINT_NAME.match(osp.basename(path))
        if match:
            found.append((int(match.group(2)), osp.getmtime(path), path))
    return [path for *_, path in sorted(found, reverse=True)]


def find_resumable_checkpoint(work_dir: str, exclude: Optional[str] = None) -> Optional[str]:
    """The checkpoint a bare ``--resume`` continues from, or None when there is none.

    That is the file named in ``work_dir/last_checkpoint`` when it is complete, else the
    newest complete ``epoch_*`` / ``iter_*`` file (cut-off files are passed over).
    """
    candidates = []
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            candidates.append(f.read().strip())
    candidates += checkpoint_files(work_dir)
    for path in candidates:
        if exclude is not None and osp.abspath(path) == osp.abspath(exclude):
            continue
        if is_complete_checkpoint(path):
            return path
    return None


def replace_file_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    tmp = f'{path}.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
