from .saim_layer_decay_constructor import SAIMLayerDecayOptimWrapperConstructor

__all__ = ['SAIMLayerDecayOptimWrapperConstructor']
