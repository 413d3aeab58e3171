from typing import Sequence

import torch
from mmengine.model import is_model_wrapper
from mmengine.runner import TestLoop, autocast
from mmpretrain.registry import LOOPS

from ..evaluation.mean_loss import MeanLoss  # noqa: F401  (the metric of these outputs)


@LOOPS.register_module()
class LossTestLoop(TestLoop):
    """mmengine's ``TestLoop`` for a model that computes a loss and predicts nothing, such
    as a self-supervised pretraining algorithm (SAIM, MAE): the test is the loss on the
    test images.

    Each batch goes through the data preprocessor and the model in ``'loss'`` mode, in eval
    mode and without gradients, and the evaluator receives one output per batch: a dict of
    the batch's losses as floats and its ``batch_size``. :class:`MeanLoss` averages them
    over the test set. With SAIM the order of each image is drawn from the run's seed, so a
    test is repeatable.

    Args: as ``TestLoop``: ``runner``, ``dataloader``, ``evaluator`` and ``fp16``.
    """

    @torch.no_grad()
    def run_iter(self, idx: int, data_batch: Sequence[dict]) -> None:
        self.runner.call_hook('before_test_iter', batch_idx=idx, data_batch=data_batch)
        model = self.runner.model
        model = model.module if is_model_wrapper(model) else model
        with autocast(enabled=self.fp16):
            data = model.data_preprocessor(data_batch, False)
            losses = model(**data, mode='loss')
        outputs = [dict(batch_size=len(data['inputs']),
                        **{name: value.item() for name, value in losses.items()})]
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook('after_test_iter', batch_idx=idx, data_batch=data_batch,
                              outputs=outputs)
