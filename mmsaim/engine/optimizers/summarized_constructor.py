import logging
from collections import Counter
from contextlib import contextmanager
from typing import Iterator, List

import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor
from mmpretrain.registry import OPTIM_WRAPPER_CONSTRUCTORS

PER_PARAMETER = 'paramwise_options -- '  # how mmengine starts each per-parameter line


class _AtDebugLevel(logging.Filter):
    """Turns the records whose message starts with ``prefix`` into DEBUG records: handlers
    at INFO (the default ``log_level``) drop them, a run with ``log_level='DEBUG'`` keeps
    them."""

    def __init__(self, prefix: str):
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and str(record.msg).startswith(self.prefix):
            record.levelno, record.levelname = logging.DEBUG, 'DEBUG'
        return True


@contextmanager
def _per_parameter_lines_at_debug(logger: logging.Logger) -> Iterator[None]:
    at_debug = _AtDebugLevel(PER_PARAMETER)
    logger.addFilter(at_debug)
    try:
        yield
    finally:
        logger.removeFilter(at_debug)


def summarize_param_groups(groups: List[dict]) -> str:
    """One line: how many parameter tensors get each setting, e.g. ``76 parameter tensors
    with weight_decay=0.0, 76 with the optimizer's own settings``."""
    settings = Counter(
        ', '.join(f'{k}={v}' for k, v in sorted(g.items()) if k != 'params') for g in groups)
    parts = [f'{count} with ' + (setting or "the optimizer's own settings")
             for setting, count in sorted(settings.items())]
    total = sum(len(g['params']) for g in groups)
    return (f'paramwise_cfg: {total} parameter tensors: ' + '; '.join(parts) +
            " (each parameter's settings: log_level='DEBUG')")


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SummarizedOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's ``DefaultOptimWrapperConstructor`` that logs its ``paramwise_cfg`` as one
    summary line.

    The parameter groups are mmengine's, unchanged. mmengine logs every setting of every
    parameter at INFO (``paramwise_options -- layers.0.ln1.bias:weight_decay=0.0``, three
    lines per parameter with ``custom_keys``: half of a short run's log); this constructor
    logs those lines at DEBUG and one INFO line that counts the parameters per setting
    (:func:`summarize_param_groups`). Used by the pretraining configs.

    Args: as ``DefaultOptimWrapperConstructor``: ``optim_wrapper_cfg`` and ``paramwise_cfg``.
    """

    def add_params(self, params: List[dict], module: nn.Module, prefix: str = '',
                   is_dcn_module=None) -> None:
        if prefix:  # mmengine's recursion into the children
            return super().add_params(params, module, prefix, is_dcn_module)
        logger = MMLogger.get_current_instance()
        with _per_parameter_lines_at_debug(logger):
            super().add_params(params, module, prefix, is_dcn_module)
        logger.info(summarize_param_groups(params))
