"""Evaluations of a pretrained encoder: frozen features (k-NN, linear probe) and fine-tuning."""
from .accuracy import top1_accuracy
from .features import extract_features
from .finetune import finetune_classifier
from .knn import knn_classify
from .linear_probe import linear_probe

__all__ = [
    'extract_features', 'top1_accuracy', 'finetune_classifier', 'knn_classify', 'linear_probe'
]
