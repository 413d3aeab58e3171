from .publish import plain_meta, publish_checkpoint
from .runner_cfg import add_runner_args, load_runner_cfg, prepare_runner_cfg

__all__ = [
    'add_runner_args', 'load_runner_cfg', 'prepare_runner_cfg', 'plain_meta', 'publish_checkpoint'
]
