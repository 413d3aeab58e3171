from typing import List, Sequence

from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS


@METRICS.register_module()
class MeanLoss(BaseMetric):
    """The losses of :class:`~mmsaim.engine.LossTestLoop` averaged over the test set.

    Each output is one batch: its losses (floats, already averaged over the batch) and its
    ``batch_size``; the result is every loss averaged over the images, under the prefix
    ``mean``, e.g. ``{'mean/loss': 0.53}``. Across processes the batches of every rank are
    gathered first (a distributed sampler repeats a few images to give every rank the same
    number).

    Args: as ``BaseMetric``: ``collect_device`` and ``prefix``.
    """
    default_prefix = 'mean'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        self.results.extend(data_samples)

    def compute_metrics(self, results: List[dict]) -> dict:
        images = sum(r['batch_size'] for r in results)
        names = [name for name in results[0] if name != 'batch_size']
        return {name: sum(r[name] * r['batch_size'] for r in results) / images
                for name in names}
