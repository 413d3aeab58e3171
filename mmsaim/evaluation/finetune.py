"""Fine-tune an mmpretrain classifier on images held in memory, then score held-out images."""
from typing import Optional, Tuple

import torch
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..datasets import center_crop, random_resized_crop
from ..engine.in_memory_loop import (iters_per_epoch, train_in_memory,
                                     warmup_cosine_schedulers)


def finetune_classifier(model_cfg: dict,
                        optim_wrapper_cfg: dict,
                        train_images: torch.Tensor,
                        train_labels: torch.Tensor,
                        test_images: torch.Tensor,
                        crop_size: int,
                        epochs: int,
                        batch_size: int,
                        warmup_epochs: int = 0,
                        min_lr: float = 1e-6,
                        crop_scale: Tuple[float, float] = (0.08, 1.),
                        device: str = 'cpu',
                        generator: Optional[torch.Generator] = None,
                        logger: Optional[MMLogger] = None) -> Tuple[torch.Tensor, dict]:
    """Build ``model_cfg`` (an mmpretrain ``ImageClassifier``, its data preprocessor with
    any batch augments such as Mixup / CutMix), train it end to end, and classify.

    Every training batch is a random resized crop with flip of the stored images, made on
    ``device``; test images are center-cropped. The optim wrapper comes from
    ``optim_wrapper_cfg`` (e.g. ``LearningRateDecayOptimWrapperConstructor``); the lr warms
    up linearly for ``warmup_epochs`` and then follows a cosine to ``min_lr``.

    Args:
        train_images (Tensor): (N, 3, S, S) uint8 on ``device``; ``train_labels`` (N, ) long.
        test_images (Tensor): (Q, 3, S, S) uint8 on ``device``.
        generator (torch.Generator, optional): the CPU generator of the shuffle and crops.

    Returns:
        tuple: (Q, num_classes) test logits, and the training statistics of
        :func:`train_in_memory`.
    """
    model = MODELS.build(model_cfg).to(device)
    model.init_weights()
    optim_wrapper = build_optim_wrapper(model, optim_wrapper_cfg)
    steps = iters_per_epoch(len(train_images), min(batch_size, len(train_images)))
    schedulers = warmup_cosine_schedulers(optim_wrapper, warmup_epochs * steps, epochs * steps,
                                          eta_min=min_lr)
    crop_generator = torch.Generator(device).manual_seed(
        int(torch.randint(2**31, (1, ), generator=generator)))

    def make_batch(index):
        crops = random_resized_crop(train_images[index.to(device)], crop_size, crop_scale,
                                    generator=crop_generator)
        samples = [DataSample().set_gt_label(label) for label in train_labels[index].tolist()]
        return dict(inputs=crops, data_samples=samples)

    stats = train_in_memory(model, optim_wrapper, make_batch, len(train_images), epochs,
                            batch_size, schedulers, generator, logger)
    model.eval()
    logits = []
    with torch.no_grad():
        for batch in test_images.split(256):
            inputs = model.data_preprocessor(
                dict(inputs=center_crop(batch, crop_size), data_samples=None))['inputs']
            logits.append(model(inputs, mode='tensor').float())
    return torch.cat(logits), stats
