"""A model and data small enough to train a Runner in a fraction of a second."""
import torch
import torch.nn as nn
from mmengine.model import BaseModel


class Regression(BaseModel):
    """One linear layer, squared error: ``inputs`` (B, 2) -> ``targets`` (B, 1)."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, targets, mode='loss'):
        return dict(loss=((self.linear(inputs) - targets)**2).mean())


class Points(torch.utils.data.Dataset):
    """Eight fixed random points: two iterations per epoch at batch 4."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return dict(inputs=torch.randn(2, generator=g), targets=torch.randn(1, generator=g))
