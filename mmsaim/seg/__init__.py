"""mmseg registrations: ``custom_imports = dict(imports=['mmsaim.seg'])`` in an mmseg config.

``SAIMWindowedViT`` (backbone) and ``SAIMLayerDecayOptimWrapperConstructor`` in mmseg's
registries; the multi-scale neck is mmseg's own ``MultiLevelNeck``.
"""
from mmseg.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS

from ..engine.optimizers import SAIMLayerDecayOptimWrapperConstructor
from ..models.backbones.saim_windowed_vit import SAIMWindowedViT

MODELS.register_module(module=SAIMWindowedViT)
OPTIM_WRAPPER_CONSTRUCTORS.register_module(module=SAIMLayerDecayOptimWrapperConstructor)

__all__ = ['SAIMWindowedViT', 'SAIMLayerDecayOptimWrapperConstructor']
