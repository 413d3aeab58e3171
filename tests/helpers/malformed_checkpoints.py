"""Checkpoint files that are broken rather than malicious, as a careless tool or a damaged
download leaves them, plus the resource bombs: each makes a reader that trusts the file
raise deep inside torch, or allocate far more than the file holds.

``MALFORMED`` maps a name to ``write(path)``; every one must be refused by the reader with
one line.
"""
import io
import zipfile
from collections import OrderedDict

import torch


class _Rebuilt:
    """Pickles as ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)``:
    a tensor view that ``torch.save`` would never write."""

    def __init__(self, offset, size, stride):
        self.storage = torch.arange(4.).untyped_storage()
        self.offset, self.size, self.stride = offset, size, stride

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, (
            torch.storage.TypedStorage(wrap_storage=self.storage, dtype=torch.float32,
                                       _internal=True),
            self.offset, self.size, self.stride, False, OrderedDict())


def _records(path):
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _rewrite(path, change, compression=zipfile.ZIP_STORED):
    """Save a small state dict, then rewrite its archive with ``change(records)`` applied."""
    torch.save({'state_dict': {'w': torch.arange(4.)}}, path)
    records = _records(path)
    change(records)
    with zipfile.ZipFile(path, 'w', compression) as archive:
        for name, data in records.items():
            archive.writestr(name, data)


def _replace(suffix, data):
    def change(records):
        name = next(n for n in records if n.endswith(suffix))
        records[name] = data(records[name])
    return change


def _pickle(opcodes: bytes):
    """A data.pkl of raw pickle opcodes (protocol 2)."""
    return _replace('/data.pkl', lambda _: b'\x80\x02' + opcodes + b'.')


def _saved(obj):
    return lambda path: torch.save(obj, path)


def _recursive():
    loop = []
    loop.append(loop)
    return {'meta': {'loop': loop}}


def _bomb(path):
    """A deflated record of 64 MiB of zeros: a few kB on disk."""
    def change(records):
        name = next(n for n in records if n.endswith('/data/0'))
        records[name] = bytes(64 << 20)
    _rewrite(path, change, zipfile.ZIP_DEFLATED)


MALFORMED = {
    'bad text codec': lambda p: _rewrite(p, _pickle(b'X\x02\x00\x00\x00\xff\xfe')),
    'memo index': lambda p: _rewrite(p, _pickle(b'h\x05')),
    'truncated storage record': lambda p: _rewrite(p, _replace('/data/0', lambda d: d[:6])),
    'byte order as a number': lambda p: _rewrite(p, _replace('/byteorder', lambda _: b'1')),
    'negative storage offset': _saved({'state_dict': {'w': _Rebuilt(-5, (2, ), (1, ))}}),
    'storage offset out of bounds': _saved({'state_dict': {'w': _Rebuilt(1000, (2, ), (1, ))}}),
    'overflowing size': _saved({'state_dict': {'w': _Rebuilt(0, (2**62, 4), (1, 1))}}),
    'zero-stride bomb': _saved({'state_dict': {'w': _Rebuilt(0, (1 << 15, 1 << 15), (0, 0))}}),
    'deflated bomb': _bomb,
    'recursive list': _saved(_recursive()),
    'invalid sparse tensor': _saved({'state_dict': {'w': torch.sparse_coo_tensor(
        torch.tensor([[7]]), torch.tensor([1.]), (2, ), check_invariants=False)}}),
    'meta tensor': _saved({'state_dict': {'w': torch.empty(2, device='meta')}}),
    'top-level tensor': _saved(torch.ones(2)),
    'top-level list': _saved([torch.ones(2)]),
    'int keys': _saved({'state_dict': {0: torch.ones(2)}}),
    'terminal escapes in a key': _saved({'state_dict': {'\x1b[2J\x1b[31mw' + 'x' * 5000: 3}}),
}


def write_malformed(name, path):
    MALFORMED[name](path)
    return str(path)
