from .cpu_autocast_optim_wrapper import CPUAutocastOptimWrapper, cpu_supports_bf16
from .saim_layer_decay_constructor import SAIMLayerDecayOptimWrapperConstructor
from .summarized_constructor import SummarizedOptimWrapperConstructor

__all__ = [
    'CPUAutocastOptimWrapper', 'cpu_supports_bf16', 'SAIMLayerDecayOptimWrapperConstructor',
    'SummarizedOptimWrapperConstructor'
]
