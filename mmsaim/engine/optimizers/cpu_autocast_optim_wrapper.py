"""Mixed-precision training on the CPU: the forward pass under bfloat16 autocast."""
from contextlib import contextmanager

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS
from mmengine.runner.amp import autocast


def cpu_supports_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX-512 BF16 or AMX). Whether autocast
    to bfloat16 is then faster than fp32 depends on the CPU: with AVX-512 BF16 and no AMX
    tile units a training step can be slower (``tools/analysis/benchmark.py`` measures both
    on the machine at hand)."""
    return torch.ops.mkldnn._is_mkldnn_bf16_supported()


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """mmengine's ``OptimWrapper`` whose forward pass runs under CPU autocast in bfloat16.

    mmengine's ``AmpOptimWrapper`` needs a GPU (or an NPU, MLU, MUSA); this is mixed
    precision on a CPU with bfloat16 matrix units. bfloat16 has fp32's exponent range, so
    the loss is not scaled; parameters, gradients and the optimizer state stay fp32.
    ``tools/train.py --amp`` selects it on a machine without CUDA.

    Args: those of ``OptimWrapper``.
    """

    @contextmanager
    def optim_context(self, model: nn.Module):
        with super().optim_context(model), autocast(device_type='cpu', dtype=torch.bfloat16):
            yield
