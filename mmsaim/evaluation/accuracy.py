"""Top-1 accuracy of class scores."""
import torch
from mmpretrain.evaluation import Accuracy


def top1_accuracy(scores: torch.Tensor, labels: torch.Tensor) -> float:
    """Top-1 accuracy (%) of (N, C) class scores against (N, ) labels, by mmpretrain's
    ``Accuracy`` on the predicted labels (on scores it would count a top score below its
    threshold 0 as a miss)."""
    return float(Accuracy.calculate(scores.argmax(dim=1).cpu(), labels.cpu()))
