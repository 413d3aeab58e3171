from .checkpoint import (CheckpointError, checkpoint_files, find_resumable_checkpoint,
                         is_complete_checkpoint, load_checkpoint_file, replace_file_atomically,
                         use_for_mmengine)

__all__ = [
    'CheckpointError', 'checkpoint_files', 'find_resumable_checkpoint', 'is_complete_checkpoint',
    'load_checkpoint_file', 'replace_file_atomically', 'use_for_mmengine'
]
