from .init_report import summarized_init_report
from .resume_checks import check_resumable
from .runner_cfg import (ConfigError, build_runner, check_cfg_options, check_loops,
                         load_runner_cfg, prepare_runner_cfg, read_config)
from .safe_runner import SafeRunner
from .work_dir_checks import WorkDirInUseError, check_config_outside, check_training_work_dir

__all__ = [
    'summarized_init_report', 'check_resumable', 'ConfigError', 'build_runner',
    'check_cfg_options', 'check_loops', 'load_runner_cfg', 'prepare_runner_cfg',
    'read_config', 'SafeRunner',
    'WorkDirInUseError', 'check_config_outside', 'check_training_work_dir'
]
