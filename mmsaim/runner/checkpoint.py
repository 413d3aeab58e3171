"""Checkpoint files that cannot run code, and that say what is wrong with them.

Every checkpoint that mmsaim, its tools and the mmengine Runner (resume, ``load_from``,
``init_cfg=dict(type='Pretrained')``) read from local disk goes through
:func:`load_checkpoint_file`: ``torch.load(weights_only=True)`` with the smallest allowlist
that mmengine training checkpoints need. Besides tensors, numbers, strings and containers,
that is NumPy arrays and scalars, and mmengine's ``HistoryBuffer``, which is never unpickled
as itself: its pickle is read into :class:`HistoryBufferRecord`, which accepts only a
length and two numeric arrays, and a real buffer is then built from those. Nothing that a
checkpoint names can call a function or reach a module; anything else is refused with an
error that names it.
"""
import glob
import os
import os.path as osp
import pickle
import re
import zipfile
from typing import Any, List, Optional, Sequence

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

HISTORY_BUFFER = 'mmengine.logging.history_buffer.HistoryBuffer'
STATISTICS = 'statistics_methods'  # what HistoryBuffer.__getstate__ adds
CHECKPOINT_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be used: refused, incomplete or of the wrong model."""


class HistoryBufferRecord:
    """The plain data of a pickled mmengine ``HistoryBuffer``.

    A checkpoint's ``HistoryBuffer`` is read into this class instead: its state may hold
    ``max_length`` (int), ``_log_history`` and ``_count_history`` (numeric arrays of one
    length) and ``_statistics_methods`` (references to the buffer's own statistics, see
    :func:`statistic_reference`). Anything else is refused. :meth:`to_history_buffer` builds
    the real buffer.
    """

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, dict):
            raise pickle.UnpicklingError(
                f'a HistoryBuffer whose state is a {type(state).__name__}, not a dict')
        unknown = set(state) - {'max_length', '_log_history', '_count_history', STATISTICS}
        if unknown:
            raise pickle.UnpicklingError(
                f'a HistoryBuffer with attributes {sorted(unknown)}, which mmengine never writes')
        max_length = state.get('max_length', 1000000)
        if type(max_length) is not int:
            raise pickle.UnpicklingError('a HistoryBuffer whose max_length is not an int')
        logs = _numeric_history(state.get('_log_history', ()), '_log_history')
        counts = _numeric_history(state.get('_count_history', ()), '_count_history')
        if len(logs) != len(counts):
            raise pickle.UnpicklingError('a HistoryBuffer whose histories differ in length')
        methods = state.get(STATISTICS, {})
        if not isinstance(methods, dict) or not all(
                isinstance(v, StatisticReference) for v in methods.values()):
            raise pickle.UnpicklingError(
                'a HistoryBuffer whose statistics methods are not its own')
        self.max_length, self.log_history, self.count_history = max_length, logs, counts

    def to_history_buffer(self) -> HistoryBuffer:
        return HistoryBuffer(self.log_history, self.count_history, self.max_length)


def _numeric_history(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or not (array.size == 0 or np.issubdtype(array.dtype, np.number)):
        raise pickle.UnpicklingError(f'a HistoryBuffer whose {name} is not 1-D and numeric')
    return array


class StatisticReference(str):
    """The name of a statistics method of ``HistoryBuffer`` (what its pickle refers to)."""


def statistic_reference(owner: Any, name: Any) -> StatisticReference:
    """Stands in for ``getattr`` in checkpoints: only ``HistoryBuffer``'s own statistics.

    mmengine's ``HistoryBuffer`` pickles its statistics methods as ``getattr(HistoryBuffer,
    'mean')``; this resolves exactly those references to their names and refuses every
    other attribute of every other object.
    """
    if owner is HistoryBufferRecord and isinstance(name, str) and callable(
            HistoryBuffer.__dict__.get(name)):
        return StatisticReference(name)
    owner_name = _PICKLED_NAMES.get(owner, getattr(owner, '__name__', type(owner).__name__))
    raise pickle.UnpicklingError(
        f'getattr({owner_name}, {name!r}) (a checkpoint may only refer to the statistics '
        'methods of an mmengine HistoryBuffer)')


_PICKLED_NAMES = {HistoryBufferRecord: 'HistoryBuffer', statistic_reference: 'getattr'}


def _numpy_globals() -> List[Any]:
    """The NumPy functions and classes that a pickled array, dtype or scalar refers to."""
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    dtype_classes = [
        cls for cls in vars(getattr(np, 'dtypes', np)).values()
        if isinstance(cls, type) and issubclass(cls, np.dtype)
    ]
    return [np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar, *dtype_classes]


def checkpoint_globals() -> List[Any]:
    """The allowlist of :func:`load_checkpoint_file`, as ``torch.serialization`` takes it."""
    return [(HistoryBufferRecord, HISTORY_BUFFER), (statistic_reference, 'builtins.getattr'),
            *_numpy_globals()]


def _rebuild_history_buffers(obj: Any) -> Any:
    """Replace every :class:`HistoryBufferRecord` in nested dicts by a real buffer."""
    if isinstance(obj, HistoryBufferRecord):
        return obj.to_history_buffer()
    if isinstance(obj, dict):
        for key, value in obj.items():
            obj[key] = _rebuild_history_buffers(value)
    return obj


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole ``torch.save`` archive (a cut-off file lacks its index)."""
    return osp.isfile(path) and zipfile.is_zipfile(path)


_REFUSAL = re.compile(r'GLOBAL (\S+)|(getattr\(.*?\)) \(|(a HistoryBuffer [^.\n]*)'
                     r'|unrecognized function (\S+)')


def _refused_name(error: Exception) -> str:
    """What torch's weights-only unpickler (or a stand-in above) refused, from its message."""
    match = _REFUSAL.search(str(error))
    return next(g for g in match.groups() if g) if match else str(error).splitlines()[0]


def load_checkpoint_file(filename: str, map_location: Any = None,
                         plain_classes: Sequence[type] = ()) -> Any:
    """Load a local checkpoint safely (see the module docstring).

    ``plain_classes`` are further classes the caller takes as plain data: they are built
    without calling anything and their attributes set from the (equally checked) pickled
    state, e.g. the ``argparse.Namespace`` of arguments in the public SAIM release.

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: the file is cut off or corrupt (the message names the newest
            complete checkpoint beside it), or it holds something other than plain
            checkpoint data (the message names what).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        with torch.serialization.safe_globals([*checkpoint_globals(), *plain_classes]):
            checkpoint = torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        raise CheckpointError(
            f'Refusing to load {filename}: it holds {_refused_name(e)}, which is not plain '
            'checkpoint data (tensors, numbers, strings, NumPy arrays, mmengine log '
            'buffers). A checkpoint that needs it could run code; load only checkpoints '
            'you trust, and convert others to plain state dicts.') from None
    except (RuntimeError, EOFError) as e:
        if is_complete_checkpoint(filename) and not isinstance(e, EOFError):
            raise
        previous = find_resumable_checkpoint(osp.dirname(filename) or '.', exclude=filename)
        hint = (f' The newest complete checkpoint beside it is {previous}; resume from it '
                f'with `--resume {previous}`.' if previous else '')
        raise CheckpointError(f'{filename} is incomplete or corrupt ({str(e).strip()}); it '
                              f'was probably cut off while being written.{hint}') from None
    return _rebuild_history_buffers(checkpoint)


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


def use_for_mmengine() -> None:
    """Make mmengine read local checkpoints (resume, ``load_from``, ``Pretrained`` init cfgs)
    with :func:`load_checkpoint_file`."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=load_checkpoint_file, force=True)
