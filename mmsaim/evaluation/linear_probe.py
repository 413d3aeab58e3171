"""Linear probe on features extracted once: seconds instead of one encoder pass per epoch."""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS

from ..engine.in_memory_loop import iters_per_epoch, warmup_cosine_schedulers


def linear_probe(train_feats: torch.Tensor,
                 train_labels: torch.Tensor,
                 test_feats: torch.Tensor,
                 num_classes: int,
                 epochs: int = 90,
                 batch_size: int = 256,
                 lr: float = 0.1,
                 weight_decay: float = 0.,
                 generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Train MAE's linear-probe head on frozen features; return the test class scores.

    The head is mmpretrain's: ``ClsBatchNormNeck`` (BatchNorm without affine, eps 1e-6) then
    ``LinearClsHead`` (init std 0.01, cross-entropy), trained with SGD (momentum 0.9) and a
    cosine schedule over ``epochs`` passes of shuffled mini-batches (SAIM.md's linear-probe
    recipe, on features computed once instead of one encoder pass per epoch).

    Args:
        train_feats (Tensor): (N, D); ``train_labels`` (N, ) long.
        test_feats (Tensor): (Q, D), on the same device.
        generator (torch.Generator, optional): the CPU generator of the shuffle.

    Returns:
        Tensor: (Q, num_classes) logits.
    """
    dims = train_feats.shape[1]
    probe = nn.ModuleDict(dict(
        neck=MODELS.build(dict(type='ClsBatchNormNeck', input_features=dims, affine=False,
                               eps=1e-6)),
        head=MODELS.build(dict(type='LinearClsHead', num_classes=num_classes, in_channels=dims,
                               loss=dict(type='CrossEntropyLoss'),
                               init_cfg=dict(type='TruncNormal', layer='Linear', std=0.01)))))
    probe.head.init_weights()
    probe.to(train_feats.device)

    def logits(feats):
        return probe.head(probe.neck((feats, )))

    optim_wrapper = build_optim_wrapper(
        probe, dict(optimizer=dict(type='SGD', lr=lr, momentum=0.9, weight_decay=weight_decay)))
    batch_size = min(batch_size, len(train_feats))
    steps = iters_per_epoch(len(train_feats), batch_size)
    schedulers = warmup_cosine_schedulers(optim_wrapper, 0, epochs * steps)
    labels = train_labels.to(train_feats.device)
    probe.train()
    for _ in range(epochs):
        order = torch.randperm(len(train_feats), generator=generator).to(train_feats.device)
        for step in range(steps):
            index = order[step * batch_size:(step + 1) * batch_size]
            optim_wrapper.update_params(
                probe.head.loss_module(logits(train_feats[index]), labels[index]))
            for scheduler in schedulers:
                scheduler.step()
    probe.eval()
    with torch.no_grad():
        return logits(test_feats)
