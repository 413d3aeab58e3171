"""Checkpoints are read as plain data: what crafted files do to a trusting reader, and that
the loader refuses each of them by its key while plain values come back unchanged."""
import codecs
import copy
import subprocess
import sys
import textwrap
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmsaim.fileio import CheckpointError, load_checkpoint_file
from tests.helpers.crafted_checkpoints import PAYLOADS, write_payload

REFUSED_AT = {
    'object array from raw bytes': r"dtype 'O8' .* at meta\.dataset_meta\.classes",
    'object dtype pickled without its flags': r"dtype 'O8' .* at meta\.dataset_meta\.classes",
    'pickled call': r'it holds (posix|nt)\.system',
    'getattr chain': r'getattr\(getattr, .__self__.\)',
    'planted __deepcopy__': r"OrderedDict object with attributes \['__deepcopy__'\] set by "
                            r'the file at message_hub\.runtime_info',
}


@pytest.mark.slow
@pytest.mark.parametrize('kind', ['object array from raw bytes',
                                  'object dtype pickled without its flags'])
def test_object_arrays_crash_a_trusting_reader(tmp_path, kind):
    """Deep-copying the array (as mmengine copies what it resumes) kills a process that
    loaded the file with weights_only=False: its element is the pointer 0x4141414141414141."""
    path = write_payload(kind, tmp_path / 'evil.pth', tmp_path / 'pwned')
    script = textwrap.dedent(f"""
        import copy, torch
        copy.deepcopy(torch.load({path!r}, weights_only=False)['meta']['dataset_meta'])
        """)
    proc = subprocess.run([sys.executable, '-c', script], capture_output=True, timeout=120)
    assert proc.returncode == -11  # SIGSEGV


def test_config_text_runs_in_mmengines_parser(tmp_path):
    """mmengine's Runner.resume hands meta['config'] to this call."""
    path = write_payload('config text', tmp_path / 'evil.pth', tmp_path / 'pwned')
    text = torch.load(path, weights_only=True)['meta']['config']
    Config.fromstring(text, file_format='.py')
    assert (tmp_path / 'pwned').read_text() == 'pwned'


def test_planted_deepcopy_is_called_by_a_trusting_reader(tmp_path):
    path = write_payload('planted __deepcopy__', tmp_path / 'evil.pth', tmp_path / 'pwned')
    runtime_info = torch.load(path, weights_only=False)['message_hub']['runtime_info']
    assert runtime_info.__deepcopy__ is codecs.encode
    with pytest.raises(TypeError):  # deepcopy called the file's function with its memo
        copy.deepcopy(runtime_info)


@pytest.mark.parametrize('kind', sorted(REFUSED_AT))
def test_loader_refuses_each_payload_by_its_key(tmp_path, kind):
    path = write_payload(kind, tmp_path / 'evil.pth', tmp_path / 'pwned')
    with pytest.raises(CheckpointError, match=REFUSED_AT[kind]) as refused:
        load_checkpoint_file(path)
    assert '\n' not in str(refused.value) and str(path) in str(refused.value)
    assert not (tmp_path / 'pwned').exists()


def test_every_payload_is_covered():
    assert set(PAYLOADS) == set(REFUSED_AT) | {'config text'}


@pytest.mark.parametrize('value, refused', [
    (codecs.encode, r'builtin_function_or_method encode at meta\.x'),
    (torch.nn.Linear, r'type Linear at meta\.x|it holds torch\.nn'),
    (np.zeros(2, dtype=[('a', 'f4'), ('b', 'i4')]), r"dtype 'V8'|structured"),
    (np.array([1], dtype='datetime64[s]'), r"dtype '<M8\[s\]'|dtype 'M8"),
])
def test_values_that_are_not_plain_data_are_refused(tmp_path, value, refused):
    path = tmp_path / 'odd.pth'
    torch.save(dict(meta=dict(x=value)), path)
    with pytest.raises(CheckpointError, match=refused):
        load_checkpoint_file(str(path))


def test_deep_nesting_is_refused_before_anything_recurses(tmp_path):
    value = 1
    for _ in range(200):
        value = [value]
    path = tmp_path / 'deep.pth'
    torch.save(dict(meta=dict(x=value)), path)
    with pytest.raises(CheckpointError, match='nested more than 64 levels'):
        load_checkpoint_file(str(path))


def test_tensor_with_planted_attributes_is_refused(tmp_path):
    tensor = torch.ones(2)
    tensor.__deepcopy__ = codecs.encode  # pickled with the tensor's __dict__
    path = tmp_path / 'tensor.pth'
    torch.save(dict(state_dict=dict(w=tensor)), path)
    with pytest.raises(CheckpointError, match=r"Tensor object with attributes "
                       r"\['__deepcopy__'\] set by the file at state_dict\.w"):
        load_checkpoint_file(str(path))


def test_plain_values_come_back_unchanged(tmp_path):
    state = OrderedDict(w=torch.arange(6.).view(2, 3), b=torch.nn.Parameter(torch.ones(2)))
    state._metadata = OrderedDict({'': dict(version=1)})
    meta = dict(
        f64=np.arange(5, dtype=np.float64), big_endian=np.arange(3, dtype='>i4'),
        fortran=np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3)),
        words=np.array(['ab', 'c']), raw=np.array([b'x', b'yz']), flags=np.array([True, False]),
        half=np.float16(0.5), count=np.int64(-3), cplx=np.complex64(1 + 2j), empty=np.zeros((0, 4)),
        nested=dict(t=(1, 2.5, None, 'x', b'y'), s={1, 2}), dtype=torch.float16,
        size=torch.Size([2, 3]))
    path = tmp_path / 'plain.pth'
    torch.save(dict(state_dict=state, meta=meta), path)
    loaded = load_checkpoint_file(str(path))
    assert loaded['state_dict']._metadata == state._metadata
    for key, value in state.items():
        assert torch.equal(loaded['state_dict'][key], value)
    assert type(loaded['state_dict']['b']) is torch.nn.Parameter
    for key, value in meta.items():
        got = loaded['meta'][key]
        if isinstance(value, (np.ndarray, np.generic)):
            assert got.dtype == value.dtype and got.shape == value.shape, key
            assert np.array_equal(got, value), key
        else:
            assert got == value, key
    assert loaded['meta']['fortran'].flags.f_contiguous
    assert loaded['meta']['f64'].flags.writeable


@pytest.mark.parametrize('content', [b'model = dict()\n', b'\x08\x07\x12\x0bonnx-export'])
def test_a_file_that_is_not_a_checkpoint_says_so(tmp_path, content):
    path = tmp_path / 'weights.pth'
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match='is not a PyTorch checkpoint'):
        load_checkpoint_file(str(path))
