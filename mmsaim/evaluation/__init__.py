"""Evaluations of a pretrained encoder on frozen features: the encoder as a model whose
predictions are its features, the k-NN metric, and the backbone of probes trained on
features computed once (registered in mmpretrain's ``MODELS`` and ``METRICS``)."""
from .frozen_encoder import FrozenEncoder
from .knn_accuracy import KNNAccuracy, knn_classify
from .precomputed_features import PrecomputedFeatures

__all__ = ['FrozenEncoder', 'KNNAccuracy', 'knn_classify', 'PrecomputedFeatures']
