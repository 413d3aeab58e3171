from .runner_cfg import prepare_runner_cfg

__all__ = ['prepare_runner_cfg']
