"""Weighted k-nearest-neighbour accuracy of frozen features."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmpretrain.evaluation import Accuracy
from mmpretrain.registry import METRICS


@torch.no_grad()
def knn_classify(bank_feats: torch.Tensor,
                 bank_labels: torch.Tensor,
                 query_feats: torch.Tensor,
                 num_classes: int,
                 k: int = 20,
                 temperature: float = 0.07,
                 chunk_size: int = 1024) -> torch.Tensor:
    """Class scores of each query from its ``k`` most cosine-similar bank features.

    The standard self-supervised check (Wu et al. 2018, as in DINO): neighbour j votes for
    its label with weight ``exp(cos(query, bank_j) / temperature)``. No parameter is trained.

    Args:
        bank_feats (Tensor): (N, D).
        bank_labels (Tensor): (N, ) long in [0, num_classes).
        query_feats (Tensor): (Q, D).

    Returns:
        Tensor: (Q, num_classes) summed vote weights; the argmax is the prediction.
    """
    bank = F.normalize(bank_feats.float(), dim=1)
    k = min(k, bank.shape[0])
    scores = []
    for query in F.normalize(query_feats.float(), dim=1).split(chunk_size):
        similarity, neighbours = (query @ bank.T).topk(k, dim=1)
        votes = torch.zeros(query.shape[0], num_classes, device=query.device)
        votes.scatter_add_(1, bank_labels.to(query.device)[neighbours],
                           (similarity / temperature).exp())
        scores.append(votes)
    return torch.cat(scores)


@METRICS.register_module()
class KNNAccuracy(BaseMetric):
    """Top-1 (%) of a weighted k-NN classifier (:func:`knn_classify`) on frozen features.

    The evaluated dataset holds the bank and the queries: samples whose ``split`` metainfo
    is ``bank_split`` (the train split) are the bank, all others are classified, e.g. an
    ``ImageTensorDataset`` with ``split=['train', 'val']``. The model's predictions carry
    ``features``, a dict of (D, ) features per sample (``FrozenEncoder``'s ``cls`` and
    ``patch_mean``); each gives its own accuracy, ``knn/<feature>``.

    Args:
        k (int): neighbours. Defaults to 20.
        temperature (float): Defaults to 0.07.
        features (Sequence[str], optional): which features to score; all by default.
        bank_split (str): Defaults to ``'train'``.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'knn'``.
    """
    default_prefix = 'knn'

    def __init__(self,
                 k: int = 20,
                 temperature: float = 0.07,
                 features: Optional[Sequence[str]] = None,
                 bank_split: str = 'train',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.k = k
        self.temperature = temperature
        self.features = features
        self.bank_split = bank_split

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append(dict(features=sample['features'],
                                     label=int(sample['gt_label']), split=sample['split']))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        bank = [r for r in results if r['split'] == self.bank_split]
        queries = [r for r in results if r['split'] != self.bank_split]
        if not bank or not queries:
            raise ValueError(f'KNNAccuracy needs samples of the {self.bank_split!r} split (the '
                             f'bank) and of another (the queries); got {len(bank)} and '
                             f'{len(queries)}: evaluate a dataset that joins both splits')
        num_classes = len(self.dataset_meta['classes']) if self.dataset_meta else 1 + max(
            r['label'] for r in results)
        bank_labels = torch.tensor([r['label'] for r in bank])
        query_labels = torch.tensor([r['label'] for r in queries])
        metrics = {}
        for name in self.features or list(bank[0]['features']):
            scores = knn_classify(torch.stack([r['features'][name] for r in bank]), bank_labels,
                                  torch.stack([r['features'][name] for r in queries]),
                                  num_classes, self.k, self.temperature)
            metrics[name] = float(Accuracy.calculate(scores.argmax(dim=1).cpu(), query_labels))
        return metrics
