"""Reading one checkpoint file as plain data: it cannot run code and says what is wrong.

:func:`load_checkpoint_file` is the reader behind every checkpoint that mmsaim, mmengine,
mmpretrain, mmdet and mmseg load once mmsaim is imported, whatever the file's source
(:mod:`mmsaim.fileio.checkpoint_sources` fetches URLs and other schemes to a file or bytes
first). It reads in three passes:

1. Limits, before anything is allocated: what ``torch.save`` writes is a zip archive of
   stored (uncompressed) records, so the records may not declare more bytes than the file
   holds (a deflated record is a decompression bomb).
2. ``torch.load(weights_only=True)`` with stand-ins for NumPy values and mmengine's
   ``HistoryBuffer`` (:mod:`mmsaim.fileio.plain_data`): nothing a file names is called.
   Whatever else goes wrong in the unpickler (a bad opcode, offset, size or codec, a
   cut-off file) is a :class:`CheckpointError`.
3. Everything is rebuilt from plain values (:func:`as_plain_data`); tensors must be dense,
   hold their values and span no more bytes than the file. The top level must be a dict
   with string keys, and its ``state_dict`` (when there) a dict of named tensors. The
   config text a checkpoint may carry (``meta.config``, ``meta.cfg``,
   ``message_hub.runtime_info.cfg``) is dropped: mmengine's ``Runner.resume`` and its
   inferencers execute it as Python.
"""
import io
import os.path as osp
import pickle
import re
import warnings
import zipfile
from typing import Any, Optional, Sequence, Union

import torch

from .plain_data import PlainDataError, as_plain_data, shown, unpickler_allowlist
from .work_dir_files import find_resumable_checkpoint

ZIP_MAGIC = b'PK\x03\x04'  # the first bytes of a zip archive (torch.save's format)
PICKLE_PROTOCOL = 0x80  # the first byte of a pickle (torch's legacy, non-zip format)
# Config text in a checkpoint: mmengine executes it as Python when it finds it there.
CONFIG_TEXT = (('meta', 'config'), ('meta', 'cfg'), ('message_hub', 'runtime_info', 'cfg'))


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be used: refused, incomplete or of the wrong model."""


_REFUSAL = re.compile(r'GLOBAL (\S+)|(getattr\(.*?\)) \(|unrecognized function (\S+)'
                      r'|(numpy _reconstruct of [^,]*)')


def _refused_name(error: Exception) -> str:
    """What torch's weights-only unpickler (or a stand-in) refused, from its message."""
    match = _REFUSAL.search(str(error))
    return shown(next(g for g in match.groups() if g) if match else
                 str(error).strip().splitlines()[0], limit=120)


def _refusal(name: str, what: str) -> CheckpointError:
    return CheckpointError(
        f'Refusing to load {name}: it holds {what}, which is not plain checkpoint data '
        '(tensors, numbers, strings, containers, numeric NumPy arrays, mmengine log '
        'buffers). A checkpoint that needs it could run code or crash the process; load '
        'only checkpoints you trust, and convert others to plain state dicts.')


def _file_kind(head: bytes) -> Optional[str]:
    """'zip' (what torch.save writes, maybe cut off), 'legacy' (a pickle: torch < 1.6), or
    None for anything else."""
    if head == ZIP_MAGIC:
        return 'zip'
    return 'legacy' if head[:1] == bytes([PICKLE_PROTOCOL]) else None


def _cut_off(name: str, problem: str) -> CheckpointError:
    hint = ''
    if osp.isfile(name):
        previous = find_resumable_checkpoint(osp.dirname(name) or '.', exclude=name)
        if previous:
            hint = (f' The newest complete checkpoint beside it is {previous}; resume from '
                    f'it with `--resume {previous}`.')
    return CheckpointError(f'{name} is incomplete or corrupt ({problem}); it was probably cut '
                           f'off while being written.{hint}')


def _check_declared_sizes(source: Union[str, io.BytesIO], name: str, size: int) -> None:
    """Refuse a zip whose records would decompress to more bytes than the file holds."""
    try:
        with zipfile.ZipFile(source) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as e:
        raise _cut_off(name, shown(str(e), limit=120)) from None
    if declared > size:
        raise CheckpointError(
            f'Refusing to load {name}: its records declare {declared} bytes, more than the '
            f'{size} bytes of the file (compressed records; torch.save stores them '
            'uncompressed). Re-save the weights with torch.save.')


def _drop_config_text(checkpoint: dict) -> None:
    for path in CONFIG_TEXT:
        node = checkpoint
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(path[-1], None)


def _check_top_level(checkpoint: Any, name: str) -> None:
    """A checkpoint is a dict with string keys whose ``state_dict`` maps names to tensors."""
    if not isinstance(checkpoint, dict):
        problem = f'a {type(checkpoint).__name__} at its top level'
    else:
        problem = next((f'the {type(key).__name__} key {shown(key)} at its top level'
                        for key in checkpoint
                        if not isinstance(key, str)), None)
        state = checkpoint.get('state_dict', {})
        if problem is None and not isinstance(state, dict):
            problem = f'a {type(state).__name__} as its state_dict'
        elif problem is None:
            problem = next((f'the {type(key).__name__} key {shown(key)} in its state_dict'
                            if not isinstance(key, str) else
                            f'a {type(value).__name__} at state_dict.{shown(key)}'
                            for key, value in state.items()
                            if not (isinstance(key, str) and isinstance(value, torch.Tensor))),
                           None)
    if problem is not None:
        raise CheckpointError(
            f'{name} is not a checkpoint: it holds {problem}, where a checkpoint is a dict '
            'with string keys whose state_dict maps names to tensors; give a file that '
            'training, a converter or torch.save(model.state_dict()) wrote')


def load_checkpoint_file(source: Union[str, bytes],
                         map_location: Any = None,
                         plain_classes: Sequence[type] = (),
                         name: Optional[str] = None) -> dict:
    """Read a checkpoint as plain data (see the module docstring).

    Args:
        source: a local file, or the bytes of one (as fetched from a URL or a bucket).
        map_location: as for ``torch.load``.
        plain_classes: further classes the caller takes as plain data: they are built
            without calling anything and their attributes set from the (equally checked)
            pickled state, e.g. the ``argparse.Namespace`` of the public SAIM release.
        name: how messages name the checkpoint; by default the file.

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: the file is not a PyTorch checkpoint, exceeds the limits, is cut
            off or corrupt (the message names the newest complete checkpoint beside it), or
            holds something other than plain checkpoint data (the message names what and
            where, with names from the file escaped and cut).
    """
    if isinstance(source, bytes):
        name, size, file = name or 'the checkpoint', len(source), io.BytesIO(source)
        head = source[:4]
    else:
        source = osp.expanduser(source)
        name = name or source
        if not osp.isfile(source):
            raise FileNotFoundError(f'{source} can not be found.')
        size, file = osp.getsize(source), source
        with open(source, 'rb') as f:
            head = f.read(4)
    kind = _file_kind(head)
    if kind is None:
        raise CheckpointError(
            f'{name} is not a PyTorch checkpoint (a file written by torch.save); give the '
            '.pth file that training or a converter wrote.')
    if kind == 'zip':
        _check_declared_sizes(file, name, size)
    try:
        with torch.serialization.safe_globals([*unpickler_allowlist(), *plain_classes]), \
                warnings.catch_warnings():
            warnings.simplefilter('ignore')  # torch's notes on what it reads, not the user's
            checkpoint = torch.load(file, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        raise _refusal(name, _refused_name(e)) from None
    except Exception as e:  # anything a malformed file makes the unpickler raise
        problem = shown(' '.join(str(e).split()) or type(e).__name__, limit=160)
        if isinstance(e, EOFError) or 'PytorchStreamReader' in str(e):
            raise _cut_off(name, problem) from None
        raise CheckpointError(f'{name} is not a readable PyTorch checkpoint: '
                              f'{type(e).__name__}: {problem}') from None
    try:
        checkpoint = as_plain_data(checkpoint, tuple(plain_classes), max_tensor_bytes=size)
    except PlainDataError as e:
        where = shown(e.key, limit=100) if e.key else 'its top level'
        raise _refusal(name, f'{e.problem} at {where}') from None
    _check_top_level(checkpoint, name)
    _drop_config_text(checkpoint)
    return checkpoint
