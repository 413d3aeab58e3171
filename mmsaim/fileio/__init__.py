"""Reading checkpoints as data, from any source, and the checkpoint files of a work dir."""
from .checkpoint_file import CheckpointError, load_checkpoint_file
from .checkpoint_sources import download, read_checkpoint, register_checkpoint_sources
from .plain_data import PlainDataError, as_plain_data
from .work_dir_files import (checkpoint_files, checkpoint_step, find_resumable_checkpoint,
                             is_complete_checkpoint, replace_file_atomically)

__all__ = [
    'CheckpointError', 'load_checkpoint_file', 'download', 'read_checkpoint',
    'register_checkpoint_sources', 'PlainDataError', 'as_plain_data', 'checkpoint_files',
    'checkpoint_step', 'find_resumable_checkpoint', 'is_complete_checkpoint',
    'replace_file_atomically'
]
