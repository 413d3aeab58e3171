"""One feature of a frozen encoder for every image of a dataset, computed once."""
import torch
from mmpretrain.registry import DATASETS, MODELS

from .batched_tensor_dataset import BatchedTensorDataset


@DATASETS.register_module()
class EncoderFeatureDataset(BatchedTensorDataset):
    """The features of a frozen encoder over an image dataset, computed when it is built.

    A probe trained on frozen features (a linear probe: mmpretrain's ``ClsBatchNormNeck`` and
    ``LinearClsHead``; an attentive probe: ``AttentivePooling``) sees the same features
    every epoch, so they are computed once here, on the images' device, instead of once per
    epoch; the classifier then reads them through the ``PrecomputedFeatures`` backbone.

    Args:
        images (dict): a :class:`BatchedTensorDataset` of images, e.g.
            ``ImageTensorDataset``.
        encoder (dict): a model whose ``mode='tensor'`` forward gives a dict of batched
            features, e.g. ``FrozenEncoder`` (its backbone's ``Pretrained`` init_cfg names
            the checkpoint to evaluate).
        feature (str): which of them, e.g. ``'cls'`` or ``'patch_mean'`` (D, ), or
            ``'patches'`` (N, D) for an attentive probe.
        batch_size (int): images per encoder pass. Defaults to 256.

    Items: ``inputs``, the feature of one image (e.g. (D, ) or (N, D)) in float32 on the
    images' device, ``data_samples`` those of ``images``.
    """

    def __init__(self, images: dict, encoder: dict, feature: str, batch_size: int = 256):
        images = DATASETS.build(images)
        encoder = MODELS.build(encoder).to(images.inputs.device)
        encoder.init_weights()
        encoder.eval()
        features = []
        with torch.no_grad():
            for start in range(0, len(images), batch_size):
                batch = images.__getitems__(range(start, min(start + batch_size, len(images))))
                outputs = encoder(**encoder.data_preprocessor(batch, False), mode='tensor')
                if feature not in outputs:
                    raise KeyError(f'EncoderFeatureDataset: feature {feature!r} is not one of '
                                   f'the encoder\'s {sorted(outputs)}')
                features.append(outputs[feature].float())
        super().__init__(torch.cat(features), images.labels, images.splits, images.classes,
                         images.with_label)
