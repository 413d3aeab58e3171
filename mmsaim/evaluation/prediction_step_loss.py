"""The loss of every prediction step of an autoregressive model, averaged over a test set."""
from typing import Dict, List, Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS


@METRICS.register_module()
class PredictionStepLoss(BaseMetric):
    """The pretraining loss of a model that predicts patches in an order, step by step.

    The model's predictions carry ``step_losses`` (N, ) per image (``SAIM``'s
    ``mode='predict'``: entry t is the loss of the patch predicted at step t + 1, in the
    order of the model's ``order``). The results, under the prefix ``prediction``:

    - ``loss``: the mean over the images and the steps, i.e. the pretraining loss of the
      test set under that order;
    - ``step_loss``: a list of N means over the images, first step to last (how much
      harder the first patch, seen from ``cls`` alone, is than the last, seen after all
      the others).

    Args: as ``BaseMetric``: ``collect_device`` and ``prefix``.
    """
    default_prefix = 'prediction'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append(sample['step_losses'].float().cpu())

    def compute_metrics(self, results: List[torch.Tensor]) -> Dict[str, object]:
        steps = {len(losses) for losses in results}
        if len(steps) != 1:
            raise ValueError(f'PredictionStepLoss: the images have {sorted(steps)} patches; '
                             'evaluate images of one size')
        step_loss = torch.stack(results).double().mean(dim=0)
        return dict(loss=float(step_loss.mean()), step_loss=step_loss.tolist())
