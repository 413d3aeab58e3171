"""mmdet registrations: ``custom_imports = dict(imports=['mmsaim.det'])`` in an mmdet config.

``SAIMWindowedViT`` (backbone), ``SAIMSimpleFeaturePyramid`` (neck) and
``SAIMLayerDecayOptimWrapperConstructor`` in mmdet's registries.
"""
from mmdet.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS

from ..engine.optimizers import SAIMLayerDecayOptimWrapperConstructor
from ..models.backbones.saim_windowed_vit import SAIMWindowedViT
from .saim_simple_feature_pyramid import SAIMSimpleFeaturePyramid

MODELS.register_module(module=SAIMWindowedViT)
MODELS.register_module(module=SAIMSimpleFeaturePyramid)
OPTIM_WRAPPER_CONSTRUCTORS.register_module(module=SAIMLayerDecayOptimWrapperConstructor)

__all__ = ['SAIMWindowedViT', 'SAIMSimpleFeaturePyramid', 'SAIMLayerDecayOptimWrapperConstructor']
