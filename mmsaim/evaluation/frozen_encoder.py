"""A pretrained encoder evaluated frozen: its features are its predictions."""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


@MODELS.register_module()
class FrozenEncoder(BaseModel):
    """The features of a ViT encoder, for evaluations on frozen features (k-NN, probes).

    For every image: the last block's ``cls`` token and the mean of its patch tokens
    (``patch_mean``), both after the encoder's final norm. ``mode='predict'`` puts them on
    the data samples as ``features`` (a dict of (D, ) tensors) for a metric such as
    ``KNNAccuracy``; ``mode='tensor'`` returns them as (B, D) tensors. Nothing is trained.

    A pretraining checkpoint (SAIM, MAE: an encoder under ``backbone.`` and more) loads into
    it whole, e.g. by ``tools/test.py CONFIG CHECKPOINT``: only the ``backbone.`` weights
    are read, and each of them must be there.

    Args:
        backbone (dict): an mmpretrain ``VisionTransformer`` (e.g. ``SAIMViT``) with
            ``out_type='raw'``; its ``init_cfg`` may load a checkpoint.
        data_preprocessor (dict, optional): e.g. ``BatchCropClsDataPreprocessor`` (the
            center crop of stored images, then the pretraining's normalization).
        init_cfg (dict, optional): Defaults to None.

    Shapes: (B, 3, H, W) images -> ``cls`` and ``patch_mean`` (B, D) each.
    """

    def __init__(self,
                 backbone: dict,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        if self.backbone.out_type != 'raw':
            raise ValueError(f"FrozenEncoder reads every token of the last block: give its "
                             f"backbone out_type='raw', not {self.backbone.out_type!r}")
        self._register_load_state_dict_pre_hook(self._encoder_weights_only)

    @staticmethod
    def _encoder_weights_only(state_dict, prefix, *args) -> None:
        for key in [k for k in state_dict
                    if k.startswith(prefix) and not k.startswith(f'{prefix}backbone.')]:
            del state_dict[key]

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], List[DataSample]]:
        if mode == 'loss':
            raise RuntimeError('FrozenEncoder has nothing to train: use it in a test or val '
                               'loop, or through EncoderFeatureDataset')
        tokens = self.backbone(inputs)[-1].float()  # (B, 1 + N, D)
        features = dict(cls=tokens[:, 0],
                        patch_mean=tokens[:, self.backbone.num_extra_tokens:].mean(dim=1))
        if mode == 'tensor':
            return features
        if mode != 'predict':
            raise RuntimeError(f'Invalid mode "{mode}".')
        data_samples = data_samples or [DataSample() for _ in range(len(inputs))]
        for i, sample in enumerate(data_samples):
            sample.set_field({name: value[i] for name, value in features.items()}, 'features')
        return data_samples
