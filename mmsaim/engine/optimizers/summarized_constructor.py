import re
from collections import Counter
from typing import List

import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor
from mmpretrain.registry import OPTIM_WRAPPER_CONSTRUCTORS

from ..logged_at_debug import logged_at_debug

# mmengine's per-parameter lines: each setting of a parameter (INFO), and each frozen
# parameter (WARNING; SAIM freezes its fixed position embeddings and unused final norm).
PER_PARAMETER = re.compile(r'^paramwise_options -- |is skipped since its requires_grad=False$')


def summarize_param_groups(groups: List[dict], frozen: List[str]) -> str:
    """One line: how many parameter tensors get each setting, and which are frozen, e.g.
    ``paramwise_cfg: 76 parameter tensors: 38 with the optimizer's own settings; 38 with
    weight_decay=0.0; frozen, left out: backbone.pos_embed``."""
    settings = Counter(
        ', '.join(f'{k}={v}' for k, v in sorted(g.items()) if k != 'params') for g in groups)
    parts = [f'{count} with ' + (setting or "the optimizer's own settings")
             for setting, count in sorted(settings.items())]
    if frozen:
        parts.append('frozen, left out: ' + ', '.join(frozen))
    total = sum(len(g['params']) for g in groups)
    return (f'paramwise_cfg: {total} parameter tensors: ' + '; '.join(parts) +
            " (each parameter's settings: log_level='DEBUG')")


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SummarizedOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's ``DefaultOptimWrapperConstructor`` that logs its ``paramwise_cfg`` as one
    summary line.

    The parameter groups are mmengine's, unchanged. mmengine logs every setting of every
    parameter at INFO (``paramwise_options -- layers.0.ln1.bias:weight_decay=0.0``, three
    lines per parameter with ``custom_keys``: half of a short run's log) and each frozen
    parameter as a warning; this constructor logs those lines at DEBUG and one INFO line
    that counts the parameters per setting and names the frozen ones
    (:func:`summarize_param_groups`). Used by the pretraining configs.

    Args: as ``DefaultOptimWrapperConstructor``: ``optim_wrapper_cfg`` and ``paramwise_cfg``.
    """

    def add_params(self, params: List[dict], module: nn.Module, prefix: str = '',
                   is_dcn_module=None) -> None:
        if prefix:  # mmengine's recursion into the children
            return super().add_params(params, module, prefix, is_dcn_module)
        logger = MMLogger.get_current_instance()
        with logged_at_debug(logger, PER_PARAMETER):
            super().add_params(params, module, prefix, is_dcn_module)
        frozen = [name for name, param in module.named_parameters() if not param.requires_grad]
        logger.info(summarize_param_groups(params, frozen))
