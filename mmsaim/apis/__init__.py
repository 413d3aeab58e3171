from .runner_cfg import (add_runner_args, load_runner_cfg, load_trained_weights,
                         prepare_runner_cfg)

__all__ = ['add_runner_args', 'load_runner_cfg', 'load_trained_weights', 'prepare_runner_cfg']
