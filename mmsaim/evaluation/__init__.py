"""Evaluations of a pretrained encoder: the encoder as a model whose predictions are its
features, the k-NN metric, the backbone and the attentive-pooling neck of probes trained on
features computed once, and the loss of every prediction step of an autoregressive model
(registered in mmpretrain's ``MODELS`` and ``METRICS``)."""
from .attentive_pooling import AttentivePooling
from .frozen_encoder import FrozenEncoder
from .knn_accuracy import KNNAccuracy, knn_classify
from .precomputed_features import PrecomputedFeatures
from .prediction_step_loss import PredictionStepLoss

__all__ = [
    'AttentivePooling', 'FrozenEncoder', 'KNNAccuracy', 'knn_classify', 'PrecomputedFeatures',
    'PredictionStepLoss'
]
