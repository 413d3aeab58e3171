"""Frozen features of an encoder: its last block's cls token and mean patch token."""
from typing import Callable, Dict

import torch
from mmpretrain.models import VisionTransformer


@torch.no_grad()
def extract_features(encoder: VisionTransformer,
                     images: torch.Tensor,
                     preprocess: Callable[[torch.Tensor], torch.Tensor],
                     batch_size: int = 256) -> Dict[str, torch.Tensor]:
    """The last block's ``cls`` token and the mean of its patch tokens, for every image.

    Args:
        encoder: an mmpretrain ``VisionTransformer`` with ``out_type='raw'`` (its final norm,
            if any, applies to every token).
        images (Tensor): (N, C, H, W), on any device.
        preprocess: a batch of ``images`` -> the encoder's normalized (B, C, h, w) input on
            its device (crop, normalization).

    Returns:
        dict: ``cls`` and ``patch_mean``, (N, D) float32 each, on the encoder's device.
    """
    if encoder.out_type != 'raw':
        raise ValueError(f"extract_features needs out_type='raw', got {encoder.out_type!r}")
    encoder.eval()
    cls, patch_mean = [], []
    for batch in images.split(batch_size):
        tokens = encoder(preprocess(batch))[-1].float()  # (B, 1 + N, D)
        cls.append(tokens[:, 0])
        patch_mean.append(tokens[:, encoder.num_extra_tokens:].mean(dim=1))
    return dict(cls=torch.cat(cls), patch_mean=torch.cat(patch_mean))
