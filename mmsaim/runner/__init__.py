from .checkpoint import (CheckpointError, checkpoint_files, find_resumable_checkpoint,
                         is_complete_checkpoint, load_checkpoint_file, replace_file_atomically)
from .init_report import summarized_init_report
from .plain_data import PlainDataError, as_plain_data
from .runner_cfg import (ConfigError, build_runner, check_cfg_options,
                         drop_schedulers_after_training, load_runner_cfg, prepare_runner_cfg)
from .safe_runner import SafeRunner, WorkDirInUseError, read_checkpoint

__all__ = [
    'CheckpointError', 'checkpoint_files', 'find_resumable_checkpoint', 'is_complete_checkpoint',
    'load_checkpoint_file', 'replace_file_atomically', 'PlainDataError', 'as_plain_data',
    'ConfigError', 'build_runner', 'check_cfg_options', 'drop_schedulers_after_training',
    'load_runner_cfg', 'prepare_runner_cfg', 'SafeRunner', 'WorkDirInUseError',
    'read_checkpoint', 'summarized_init_report'
]
