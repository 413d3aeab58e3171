from functools import partial
from typing import List

import torch.nn as nn
from mmpretrain.engine.optimizers import LearningRateDecayOptimWrapperConstructor


class SAIMLayerDecayOptimWrapperConstructor(LearningRateDecayOptimWrapperConstructor):
    """mmpretrain's layer-wise lr decay for detectors and segmentors with a SAIM ViT backbone.

    mmpretrain's constructor asks the model for ``get_layer_depth``, which its classifiers
    have and mmdet's and mmseg's models do not; this one asks the backbone
    (``model.backbone.get_layer_depth(name, 'backbone.')``: embeddings at depth 0, block i at
    i + 1, everything after the backbone at the top). The rest is mmpretrain's: a
    parameter's lr is ``base_lr * layer_decay_rate ** (top - depth)``, and ``paramwise_cfg``
    takes ``layer_decay_rate``, ``flat_decay_mult``, ``norm_decay_mult``, ``bias_decay_mult``
    and ``custom_keys`` (``decay_mult`` only).

    Registered in mmdet's and mmseg's ``OPTIM_WRAPPER_CONSTRUCTORS`` by :mod:`mmsaim.det`
    and :mod:`mmsaim.seg`.
    """

    def add_params(self, params: List[dict], module: nn.Module, prefix: str = '',
                   get_layer_depth=None, **kwargs) -> None:
        if get_layer_depth is None and not hasattr(module, 'get_layer_depth'):
            backbone = getattr(module, 'backbone', None)
            if not hasattr(backbone, 'get_layer_depth'):
                raise TypeError(f'{type(backbone).__name__} has no get_layer_depth(); '
                                'layer-wise lr decay needs a ViT backbone such as '
                                'SAIMWindowedViT')
            get_layer_depth = partial(backbone.get_layer_depth, prefix='backbone.')
        super().add_params(params, module, prefix, get_layer_depth=get_layer_depth, **kwargs)
