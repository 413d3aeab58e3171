"""What a checkpoint may hold, and how it is read without trusting any of it.

``torch.load(weights_only=True)`` builds tensors and Python containers without calling
anything a file names, but what it builds is then touched by code that trusts it: mmengine
deep-copies the message hub, pickles ``dataset_meta`` to compare it, and updates scheduler
objects with whatever their saved state holds. So every checkpoint is read in two passes:

1. The unpickler builds the allowlisted types only. NumPy arrays, dtypes and scalars and
   mmengine's ``HistoryBuffer`` are not built as themselves: their pickles are read into the
   records below, which store the pickled values and call nothing.
2. :func:`as_plain_data` walks the result and rebuilds it from plain values: NumPy arrays are
   made from their raw bytes, only with dtypes that hold numbers or characters (never an
   object, structured or void dtype, whose bytes would be read as pointers), buffers from
   numeric histories; containers, tensors and ``OrderedDict`` state dicts may carry no
   planted attributes (``__deepcopy__``, ``__reduce_ex__``, ...); functions and classes are
   not data. Anything else is refused with a :class:`PlainDataError` that names its key.
"""
import math
import pickle
from collections import Counter, OrderedDict
from typing import Any, List, Optional, Tuple

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

MAX_DEPTH = 64
PLAIN_SCALARS = (type(None), bool, int, float, complex, str, bytes, bytearray, torch.Size,
                 torch.device, torch.dtype)
# dtype kinds whose bytes are values: bool, signed and unsigned integers, floats, complex,
# bytes and unicode strings.
PLAIN_DTYPE_KINDS = 'biufcSU'
STATISTICS = 'statistics_methods'  # what HistoryBuffer.__getstate__ adds


class PlainDataError(ValueError):
    """A value in a checkpoint that is not plain data; ``key`` is where it sits."""

    def __init__(self, key: str, problem: str):
        super().__init__(f'{shown(key, limit=100) if key else "the top level"}: {problem}')
        self.key, self.problem = key, problem


class _Record:
    """The pickled arguments and state of an object that is rebuilt later, if plain."""
    args: tuple = ()  # also when the unpickler makes the record with __new__ alone
    state: Any = None

    def __init__(self, *args):
        self.args, self.state = args, None

    def __setstate__(self, state: Any) -> None:
        self.state = state


class ArrayRecord(_Record):
    """Stands in for ``numpy.ndarray``: a pickled array is ``_reconstruct(ndarray, ...)``
    then ``BUILD (version, shape, dtype, is_fortran, raw bytes)``."""


class DtypeRecord(_Record):
    """Stands in for ``numpy.dtype``: ``dtype(name, align, copy)`` then ``BUILD (version,
    byte order, subarray, names, fields, itemsize, alignment, flags[, metadata])``."""


class ScalarRecord(_Record):
    """Stands in for ``numpy.core.multiarray.scalar(dtype, raw bytes)``."""


class HistoryBufferRecord(_Record):
    """Stands in for mmengine's ``HistoryBuffer``, pickled as ``__newobj__`` plus its
    ``__dict__``: ``max_length``, ``_log_history``, ``_count_history`` and references to
    its own statistics methods."""


class StatisticReference(str):
    """The name of a statistics method of ``HistoryBuffer`` (what its pickle refers to)."""


def reconstruct_array(cls: Any, shape: Any, typecode: Any) -> ArrayRecord:
    """Stands in for ``numpy.core.multiarray._reconstruct``: only for ``ndarray`` itself."""
    if cls is not ArrayRecord:
        raise pickle.UnpicklingError(
            f'numpy _reconstruct of {getattr(cls, "__name__", cls)!r}, not of ndarray')
    return ArrayRecord()


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


def empty_bytes(*args: Any) -> bytes:
    """Stands in for ``bytes``, which pickles of empty NumPy arrays call with no argument
    (``bytes(n)`` would allocate n bytes)."""
    if args:
        raise pickle.UnpicklingError(f'bytes{args!r:.40}')
    return b''


def unpickler_allowlist() -> List[Tuple[Any, str]]:
    """The stand-ins, under the names pickles give them, as ``torch.serialization`` takes
    them (NumPy moved ``numpy.core`` to ``numpy._core`` in 2.0; both names are read)."""
    stand_ins = [(HistoryBufferRecord, 'mmengine.logging.history_buffer.HistoryBuffer'),
                 (statistic_reference, 'builtins.getattr'), (ArrayRecord, 'numpy.ndarray'),
                 (DtypeRecord, 'numpy.dtype'), (empty_bytes, 'builtins.bytes')]
    for core in ('numpy.core', 'numpy._core'):
        stand_ins += [(reconstruct_array, f'{core}.multiarray._reconstruct'),
                      (ScalarRecord, f'{core}.multiarray.scalar')]
    return stand_ins


def _plain_dtype(record: Any, key: str) -> np.dtype:
    if not isinstance(record, DtypeRecord) or len(record.args) not in (1, 3):
        raise PlainDataError(key, 'a NumPy dtype that was not pickled as one')
    name, state = record.args[0], record.state
    try:
        dtype = np.dtype(name) if isinstance(name, str) else None
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in PLAIN_DTYPE_KINDS or dtype.fields is not None \
            or dtype.subdtype is not None:
        raise PlainDataError(
            key, f'a NumPy array or scalar of dtype {shown(repr(name))} (object, structured '
            'and void dtypes hold pointers)')
    if state is None:
        return dtype
    if not (isinstance(state, tuple) and len(state) in (8, 9) and state[1] in '<>|='
            and state[2:5] == (None, None, None) and state[5] in (-1, dtype.itemsize)):
        raise PlainDataError(key, f'a NumPy dtype {shown(repr(name))} with an unexpected '
                             f'state {shown(repr(state))}')
    return dtype.newbyteorder(state[1]) if state[1] in '<>' else dtype


def _plain_array(record: ArrayRecord, key: str) -> np.ndarray:
    if record.args:  # ndarray(shape, dtype, buffer): NumPy never pickles an array so
        if len(record.args) > 1:
            _plain_dtype(record.args[1], key)
        raise PlainDataError(key, 'a NumPy array built by calling ndarray() on raw bytes')
    state = record.state
    if not (isinstance(state, tuple) and len(state) == 5 and state[0] == 1):
        raise PlainDataError(key, 'a NumPy array with an unexpected pickled state')
    _, shape, dtype, fortran, data = state
    dtype = _plain_dtype(dtype, key)
    if not (isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape)):
        raise PlainDataError(key, f'a NumPy array of shape {shown(repr(shape))}')
    size = math.prod(shape) * dtype.itemsize
    if not isinstance(data, (bytes, bytearray)) or len(data) != size:
        raise PlainDataError(key, f'a NumPy array of shape {shape} and dtype {dtype} whose '
                             f'data is not {size} bytes')
    order = 'F' if fortran else 'C'
    return np.frombuffer(bytes(data), dtype).reshape(shape, order=order).copy(order=order)


def _plain_scalar(record: ScalarRecord, key: str) -> np.generic:
    if len(record.args) != 2 or record.state is not None:
        raise PlainDataError(key, 'a NumPy scalar with unexpected arguments')
    dtype, data = _plain_dtype(record.args[0], key), record.args[1]
    if not isinstance(data, (bytes, bytearray)) or len(data) != dtype.itemsize:
        raise PlainDataError(key, f'a NumPy {dtype} scalar whose data is not '
                             f'{dtype.itemsize} bytes')
    return np.frombuffer(bytes(data), dtype)[0]


def _numeric_history(value: Any, key: str) -> np.ndarray:
    if isinstance(value, ArrayRecord):
        value = _plain_array(value, key)
    elif isinstance(value, (list, tuple)) and all(
            type(v) in (int, float) for v in value):
        value = np.asarray(value, dtype=np.float64 if any(
            type(v) is float for v in value) else np.int64)
    if not (isinstance(value, np.ndarray) and value.ndim == 1 and
            (value.size == 0 or np.issubdtype(value.dtype, np.number))):
        raise PlainDataError(key, 'a HistoryBuffer history that is not 1-D and numeric')
    return value


def _history_buffer(record: HistoryBufferRecord, key: str) -> HistoryBuffer:
    state = record.state
    if record.args or not isinstance(state, dict):
        raise PlainDataError(key, 'a HistoryBuffer whose pickled state is not a dict')
    unknown = set(state) - {'max_length', '_log_history', '_count_history', STATISTICS}
    if unknown:
        raise PlainDataError(
            key, f'a HistoryBuffer with attributes {shown(sorted(unknown))}, which mmengine never '
            'writes')
    max_length = state.get('max_length', 1000000)
    if type(max_length) is not int or max_length < 1:
        raise PlainDataError(key, 'a HistoryBuffer whose max_length is not a positive int')
    logs = _numeric_history(state.get('_log_history', ()), f'{key}._log_history')
    counts = _numeric_history(state.get('_count_history', ()), f'{key}._count_history')
    if len(logs) != len(counts):
        raise PlainDataError(key, 'a HistoryBuffer whose histories differ in length')
    methods = state.get(STATISTICS, {})
    if not isinstance(methods, dict) or not all(
            type(k) is str and isinstance(v, StatisticReference) for k, v in methods.items()):
        raise PlainDataError(key, 'a HistoryBuffer whose statistics methods are not its own')
    return HistoryBuffer(logs, counts, max_length)


def shown(value: Any, limit: int = 60) -> str:
    """``value`` (a name or key read from a file) as printable text of at most ``limit``
    characters: control characters escaped, the rest cut with ``...``."""
    text = value if isinstance(value, str) and value.isprintable() else repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _child(key: str, name: Any) -> str:
    return f'{key}.{shown(name)}' if key else shown(name)


def _no_attributes(obj: Any, key: str, allowed: Tuple[str, ...] = ()) -> None:
    planted = sorted(set(getattr(obj, '__dict__', {})) - set(allowed))
    if planted:
        raise PlainDataError(key, f'{type(obj).__name__} object with attributes '
                             f'{shown(planted)} set by the file')


class _Rebuilder:
    """The walk of :func:`as_plain_data` (its arguments are the walk's settings)."""

    def __init__(self, plain_classes: Tuple[type, ...], max_tensor_bytes: Optional[int]):
        self.plain_classes, self.max_tensor_bytes = plain_classes, max_tensor_bytes

    def tensor(self, tensor: torch.Tensor, key: str) -> torch.Tensor:
        if type(tensor) not in (torch.Tensor, torch.nn.Parameter):
            raise PlainDataError(key, f'a tensor of type {type(tensor).__name__}')
        _no_attributes(tensor, key)
        if tensor.layout != torch.strided or tensor.is_meta:
            raise PlainDataError(key, f'a {tensor.layout} tensor on the {tensor.device.type} '
                                 'device (weights are dense tensors that hold their values)')
        size = tensor.numel() * tensor.element_size()
        if self.max_tensor_bytes is not None and size > self.max_tensor_bytes:
            raise PlainDataError(
                key, f'a tensor of shape {tuple(tensor.shape)} ({size} bytes) that the file '
                f'({self.max_tensor_bytes} bytes) cannot hold: its strides repeat its data')
        return tensor

    def rebuild(self, obj: Any, key: str = '', depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise PlainDataError(key, f'containers nested more than {MAX_DEPTH} levels deep')
        kind = type(obj)
        if kind in PLAIN_SCALARS:
            return obj
        if isinstance(obj, torch.Tensor):
            return self.tensor(obj, key)
        if kind is ArrayRecord:
            return _plain_array(obj, key)
        if kind is ScalarRecord:
            return _plain_scalar(obj, key)
        if kind is HistoryBufferRecord:
            return _history_buffer(obj, key)
        if kind in (list, tuple, set, frozenset):
            return kind(self.rebuild(v, _child(key, i), depth + 1) for i, v in enumerate(obj))
        if kind in (dict, OrderedDict, Counter):
            # torch's state dicts carry their module versions in an `_metadata` attribute.
            _no_attributes(obj, key, allowed=('_metadata', ) if kind is OrderedDict else ())
            plain = kind()
            for name, value in obj.items():
                if type(name) not in (str, int, float, bool, type(None)):
                    raise PlainDataError(key, f'a dict key of type {type(name).__name__}')
                plain[name] = self.rebuild(value, _child(key, name), depth + 1)
            if kind is OrderedDict and hasattr(obj, '_metadata'):
                plain._metadata = self.rebuild(obj._metadata, _child(key, '_metadata'),
                                               depth + 1)
            return plain
        if kind in self.plain_classes:
            attributes = vars(obj)
            dunders = sorted(name for name in attributes if str(name).startswith('__'))
            if dunders:
                raise PlainDataError(key, f'{kind.__name__} object with attributes '
                                     f'{shown(dunders)}')
            for name, value in attributes.items():
                setattr(obj, name, self.rebuild(value, _child(key, name), depth + 1))
            return obj
        name = getattr(obj, '__qualname__', None)
        raise PlainDataError(key, f'{kind.__name__} {shown(name)}' if name else
                             f'a {kind.__name__}')


def as_plain_data(obj: Any, plain_classes: Tuple[type, ...] = (),
                  max_tensor_bytes: Optional[int] = None) -> Any:
    """``obj`` as unpickled with :func:`unpickler_allowlist`, rebuilt from plain values.

    Args:
        plain_classes: further classes whose instances are kept, when every attribute the
            file set is plain data and none is a dunder name.
        max_tensor_bytes: the most bytes a tensor may span (the size of its file): a
            zero-stride view over a few bytes would otherwise become gigabytes when copied.

    Raises:
        PlainDataError: a value that is not plain data, with its key (``meta.dataset_meta``).
    """
    return _Rebuilder(tuple(plain_classes), max_tensor_bytes).rebuild(obj)
