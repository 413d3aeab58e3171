from typing import List

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor


class ViTLayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Layer-wise lr decay for detectors and segmentors with a ViT backbone.

    The depth of each parameter comes from ``model.backbone.get_layer_depth(name,
    'backbone.')`` (mmpretrain's ViT convention: embeddings 0, block i at i + 1, everything
    after the backbone at the top), and its lr is ``base_lr * layer_decay_rate ** (top -
    depth)``. One-dimensional parameters (norms, biases) and the names in ``no_decay_names``
    get no weight decay.

    Registered as ``SAIMLayerDecayOptimWrapperConstructor`` in mmdet's and mmseg's
    ``OPTIM_WRAPPER_CONSTRUCTORS`` by :mod:`mmsaim.det` and :mod:`mmsaim.seg`.

    ``paramwise_cfg``: ``layer_decay_rate`` (float, default 1.0) and ``no_decay_names``
    (default ``('pos_embed', 'cls_token', 'rel_pos_bias')``).
    """

    def add_params(self, params: List[dict], module: nn.Module, **kwargs) -> None:
        model = module.module if is_model_wrapper(module) else module
        backbone = model.backbone
        if not hasattr(backbone, 'get_layer_depth'):
            raise TypeError(f'{type(backbone).__name__} has no get_layer_depth(); layer-wise '
                            'lr decay needs a ViT backbone such as SAIMWindowedViT')
        rate = self.paramwise_cfg.get('layer_decay_rate', 1.0)
        no_decay_names = self.paramwise_cfg.get('no_decay_names',
                                                ('pos_embed', 'cls_token', 'rel_pos_bias'))
        for name, param in model.named_parameters():
            if not param.requires_grad:
                continue
            depth, num_depths = backbone.get_layer_depth(name, 'backbone.')
            scale = rate**(num_depths - 1 - depth)
            no_decay = param.ndim == 1 or any(key in name for key in no_decay_names)
            params.append(dict(params=[param], lr=self.base_lr * scale,
                               weight_decay=0. if no_decay else self.base_wd,
                               lr_scale=scale, param_name=name))
        print_log(f'layer-wise lr decay {rate} over {num_depths} depths', logger='current')
