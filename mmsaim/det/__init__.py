"""mmdet registrations: ``custom_imports = dict(imports=['mmsaim.det'])`` in an mmdet config.

``SAIMWindowedViT`` (backbone), ``SAIMSimpleFeaturePyramid`` (neck) and
``SAIMLayerDecayOptimWrapperConstructor`` in mmdet's registries.
"""
from mmdet.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS

from ..engine.optimizers import ViTLayerDecayOptimWrapperConstructor
from ..models.backbones.windowed_vit import WindowedViT
from .simple_feature_pyramid import SimpleFeaturePyramid

MODELS.register_module('SAIMWindowedViT', module=WindowedViT)
MODELS.register_module('SAIMSimpleFeaturePyramid', module=SimpleFeaturePyramid)
OPTIM_WRAPPER_CONSTRUCTORS.register_module(
    'SAIMLayerDecayOptimWrapperConstructor', module=ViTLayerDecayOptimWrapperConstructor)

__all__ = ['WindowedViT', 'SimpleFeaturePyramid', 'ViTLayerDecayOptimWrapperConstructor']
