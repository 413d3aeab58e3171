"""A pretrained encoder evaluated frozen: its features are its predictions."""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

FEATURES = ('cls', 'patch_mean', 'patches')


@MODELS.register_module()
class FrozenEncoder(BaseModel):
    """The features of a ViT encoder, for evaluations on frozen features (k-NN, probes).

    For every image, from the tokens of a block: its ``cls`` token, the mean of its patch
    tokens (``patch_mean``) or the patch tokens themselves (``patches``). The block is the
    last one, after the encoder's final norm when the backbone has ``final_norm=True``;
    a backbone with several ``out_indices`` gives every feature of every block it outputs,
    named ``<feature>/block_<k>`` (k = 1 for the first block; mmpretrain's
    ``VisionTransformer`` applies the final norm to the last block's output only).
    ``mode='predict'`` puts them on the data samples as ``features`` (a dict of tensors)
    for a metric such as ``KNNAccuracy``; ``mode='tensor'`` returns them as a dict of
    batched tensors. Nothing is trained.

    A pretraining checkpoint (SAIM, MAE: an encoder under ``backbone.`` and more) loads into
    it whole, e.g. by ``tools/test.py CONFIG CHECKPOINT``: only the weights of the backbone
    as configured are read (not a final norm it leaves out), and each of them must be there.

    Args:
        backbone (dict): an mmpretrain ``VisionTransformer`` (e.g. ``SAIMViT``) with
            ``out_type='raw'``; its ``init_cfg`` may load a checkpoint.
        features (Sequence[str]): which features, of ``'cls'``, ``'patch_mean'`` and
            ``'patches'``. Defaults to ``('cls', 'patch_mean')``.
        data_preprocessor (dict, optional): e.g. ``BatchCropClsDataPreprocessor`` (the
            center crop of stored images, then the pretraining's normalization).
        init_cfg (dict, optional): Defaults to None.

    Shapes: (B, 3, H, W) images -> ``cls`` and ``patch_mean`` (B, D), ``patches``
    (B, N, D), for each block.
    """

    def __init__(self,
                 backbone: dict,
                 features: Sequence[str] = ('cls', 'patch_mean'),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        if self.backbone.out_type != 'raw':
            raise ValueError(f"FrozenEncoder reads every token of a block: give its "
                             f"backbone out_type='raw', not {self.backbone.out_type!r}")
        unknown = sorted(set(features) - set(FEATURES))
        if unknown or not features:
            raise ValueError(f'FrozenEncoder features {list(features)}: choose from {FEATURES}')
        self.features = tuple(features)
        self._register_load_state_dict_pre_hook(self._encoder_weights_only)

    def _encoder_weights_only(self, state_dict, prefix, *args) -> None:
        own = {prefix + key for key in self.state_dict()}
        for key in [k for k in state_dict if k.startswith(prefix) and k not in own]:
            del state_dict[key]

    def block_features(self, tokens: torch.Tensor) -> Dict[str, torch.Tensor]:
        """The features of one block's tokens (B, 1 + N, D)."""
        patches = tokens[:, self.backbone.num_extra_tokens:]
        every = dict(cls=tokens[:, 0], patch_mean=patches.mean(dim=1), patches=patches)
        return {name: every[name] for name in self.features}

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], List[DataSample]]:
        if mode == 'loss':
            raise RuntimeError('FrozenEncoder has nothing to train: use it in a test or val '
                               'loop, or through EncoderFeatureDataset')
        outputs = [tokens.float() for tokens in self.backbone(inputs)]  # (B, 1 + N, D) each
        if len(outputs) == 1:
            features = self.block_features(outputs[0])
        else:
            features = {f'{name}/block_{index + 1}': value
                        for index, tokens in zip(self.backbone.out_indices, outputs)
                        for name, value in self.block_features(tokens).items()}
        if mode == 'tensor':
            return features
        if mode != 'predict':
            raise RuntimeError(f'Invalid mode "{mode}".')
        data_samples = data_samples or [DataSample() for _ in range(len(inputs))]
        for i, sample in enumerate(data_samples):
            sample.set_field({name: value[i] for name, value in features.items()}, 'features')
        return data_samples
