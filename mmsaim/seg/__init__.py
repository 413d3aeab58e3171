"""mmseg registrations: ``custom_imports = dict(imports=['mmsaim.seg'])`` in an mmseg config.

``SAIMWindowedViT`` (backbone) and ``SAIMLayerDecayOptimWrapperConstructor`` in mmseg's
registries; the multi-scale neck is mmseg's own ``MultiLevelNeck``.
"""
from mmseg.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS

from ..engine.optimizers import ViTLayerDecayOptimWrapperConstructor
from ..models.backbones.windowed_vit import WindowedViT

MODELS.register_module('SAIMWindowedViT', module=WindowedViT)
OPTIM_WRAPPER_CONSTRUCTORS.register_module(
    'SAIMLayerDecayOptimWrapperConstructor', module=ViTLayerDecayOptimWrapperConstructor)

__all__ = ['WindowedViT', 'ViTLayerDecayOptimWrapperConstructor']
