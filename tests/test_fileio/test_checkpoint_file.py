"""Checkpoint loading that cannot run code, and cut-off files that say so."""
import pickle

import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint

from mmsaim.fileio import (CheckpointError, find_resumable_checkpoint, is_complete_checkpoint,
                           load_checkpoint_file)
from tests.helpers.crafted_checkpoints import PlantedHistoryBuffer, getattr_exploit, write_payload
from tests.helpers.malformed_checkpoints import MALFORMED, write_malformed
from tests.helpers.toy_regression import Points, Regression


def _runner(work_dir, max_epochs, **kwargs):
    return Runner(
        model=Regression(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=Points(), batch_size=4,
                              sampler=dict(type='DefaultSampler', shuffle=True),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        **kwargs)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A real mmengine training checkpoint (message hub with HistoryBuffers, numpy values)."""
    work_dir = tmp_path_factory.mktemp('regression')
    _runner(work_dir, max_epochs=1).train()
    return work_dir


def test_training_checkpoint_resumes(trained, tmp_path):
    ckpt = trained / 'epoch_1.pth'
    # The trap mmengine falls into: torch's weights_only default refuses its HistoryBuffer.
    with pytest.raises(pickle.UnpicklingError):
        torch.load(ckpt)
    loaded = load_checkpoint_file(str(ckpt))
    buffers = loaded['message_hub']['log_scalars']
    assert buffers and all(isinstance(b, HistoryBuffer) for b in buffers.values())
    assert buffers['train/loss'].current() == pytest.approx(
        torch.load(ckpt, weights_only=False)['message_hub']['log_scalars']['train/loss'].current())
    runner = _runner(tmp_path, max_epochs=2, resume=True, load_from=str(ckpt))
    runner.train()
    assert runner.epoch == 2 and _load_checkpoint(str(tmp_path / 'epoch_2.pth'))['meta']['epoch'] == 2


def test_crafted_history_buffer_is_refused(tmp_path):
    path, marker = tmp_path / 'evil.pth', tmp_path / 'pwned'
    getattr_exploit(path, marker)
    # The payload is real: unpickled as a plain pickle, resuming the message hub runs it.
    MessageHub.get_instance('exploit').load_state_dict(
        torch.load(path, weights_only=False)['message_hub'])
    assert marker.read_text() == 'pwned'
    marker.unlink()
    with pytest.raises(CheckpointError, match=r'getattr\(getattr, .__self__.\)'):
        _load_checkpoint(str(path))  # the loader of get_model, load_from and init_cfg
    assert not marker.exists()


def test_planted_attribute_without_getattr_is_refused(tmp_path):
    path = tmp_path / 'planted.pth'
    torch.save(dict(message_hub=dict(log_scalars={'x': PlantedHistoryBuffer(
        __deepcopy__='anything')})), path)
    with pytest.raises(CheckpointError,
                       match=r"HistoryBuffer with attributes \['__deepcopy__'\].* at "
                       r'message_hub.log_scalars.x'):
        load_checkpoint_file(str(path))


def test_reduce_payload_is_refused(tmp_path):
    path = write_payload('pickled call', tmp_path / 'evil.pth', tmp_path / 'pwned')
    with pytest.raises(CheckpointError, match=r'it holds (posix|nt)\.system'):
        _load_checkpoint(path)
    assert not (tmp_path / 'pwned').exists()


def test_cut_off_checkpoint_names_the_intact_one(trained, tmp_path):
    data = (trained / 'epoch_1.pth').read_bytes()
    (tmp_path / 'epoch_1.pth').write_bytes(data)
    (tmp_path / 'epoch_2.pth').write_bytes(data[:len(data) // 2])
    assert not is_complete_checkpoint(str(tmp_path / 'epoch_2.pth'))
    with pytest.raises(CheckpointError, match=r'epoch_2.pth is incomplete or corrupt.*'
                       r'--resume .*epoch_1.pth'):
        load_checkpoint_file(str(tmp_path / 'epoch_2.pth'))


def test_resumable_checkpoint_passes_over_cut_off_files(trained, tmp_path):
    data = (trained / 'epoch_1.pth').read_bytes()
    for epoch in (1, 2, 10):
        (tmp_path / f'epoch_{epoch}.pth').write_bytes(data)
    (tmp_path / 'epoch_11.pth').write_bytes(data[:100])
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_10.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_2.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_11.pth'))
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_10.pth')
    assert find_resumable_checkpoint(str(tmp_path / 'empty')) is None


# What the refusal of each malformed file says (the rest of the line names the file).
MALFORMED_REFUSALS = {
    'bad text codec': "UnicodeDecodeError: 'utf-8' codec can't decode",
    'memo index': 'not a readable PyTorch checkpoint: KeyError: 5',
    'truncated storage record': 'record size (6 bytes) does not match expected size',
    'byte order as a number': 'Unknown endianness type: 1',
    'negative storage offset': 'invalid storage offset -5',
    'storage offset out of bounds': 'not a readable PyTorch checkpoint: RuntimeError',
    'overflowing size': 'integer multiplication overflow',
    'zero-stride bomb': 'a tensor of shape (32768, 32768) (4294967296 bytes) that the file',
    'deflated bomb': 'its records declare 67109098 bytes, more than the',
    'recursive list': 'containers nested more than 64 levels deep at meta.loop.0.0',
    'invalid sparse tensor': 'size is inconsistent with indices',
    'meta tensor': 'a torch.strided tensor on the meta device',
    'top-level tensor': 'it holds a Tensor at its top level',
    'top-level list': 'it holds a list at its top level',
    'int keys': 'it holds the int key 0 in its state_dict',
    'terminal escapes in a key': r"a int at state_dict.'\x1b[2J\x1b[31mwxxx",
}


@pytest.mark.parametrize('name', sorted(MALFORMED))
def test_a_malformed_file_is_one_short_printable_line(tmp_path, name):
    path = write_malformed(name, tmp_path / 'broken.pth')
    with pytest.raises(CheckpointError) as refused:
        load_checkpoint_file(path)
    message = str(refused.value)
    assert MALFORMED_REFUSALS[name] in message, message
    assert message.startswith(('Refusing to load ' + path, path)) and message.isprintable()
    assert len(message) < 600


def test_every_malformed_file_has_its_refusal():
    assert set(MALFORMED_REFUSALS) == set(MALFORMED)
