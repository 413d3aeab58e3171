"""Samples held as one tensor, a batch fetched by one indexing."""
from typing import Any, List, Optional, Sequence, Union

import torch
from mmengine.dataset import default_collate
from mmengine.registry import FUNCTIONS
from mmpretrain.structures import DataSample
from torch.utils.data import Dataset


class BatchedTensorDataset(Dataset):
    """A dataset whose samples are the rows of one tensor, on any device.

    ``dataset[i]`` is ``dict(inputs=inputs[i], data_samples=DataSample)``. The DataLoader
    fetches a whole batch through :meth:`__getitems__`: one indexing of ``inputs`` (on its
    device, so data that lives on the GPU never leaves it) and the batch's data samples;
    :func:`batched_collate` passes that batch on. Use ``num_workers=0``: the data is
    already in memory.

    Each data sample holds the ``gt_label`` and, as metainfo, its index ``sample_idx`` (as
    mmpretrain's ``PackInputs`` gives it) and the ``split`` the sample came from (a dataset
    may join several splits, e.g. a k-NN bank and its queries).

    Args:
        inputs (Tensor): (N, ...) samples.
        labels (Tensor): (N, ) long.
        splits (Sequence[str]): the split of each sample, N names.
        classes (Sequence[str]): the class names.
        with_label (bool): give data samples; without (unlabeled pretraining), every
            batch's ``data_samples`` is None. Defaults to True.
    """

    def __init__(self,
                 inputs: torch.Tensor,
                 labels: torch.Tensor,
                 splits: Sequence[str],
                 classes: Sequence[str],
                 with_label: bool = True):
        if not len(inputs) == len(labels) == len(splits):
            raise ValueError(f'{len(inputs)} inputs, {len(labels)} labels and {len(splits)} '
                             'split names: give one of each per sample')
        self.inputs = inputs
        self.labels = labels.view(-1, 1).cpu()  # one (1, ) gt_label view per sample
        self.splits = list(splits)
        self.classes = list(classes)
        self.with_label = with_label

    @property
    def metainfo(self) -> dict:
        return dict(classes=self.classes)

    def __len__(self) -> int:
        return len(self.inputs)

    def _data_samples(self, indices: List[int]) -> Optional[List[DataSample]]:
        if not self.with_label:
            return None
        return [
            DataSample(metainfo=dict(sample_idx=i, split=self.splits[i])).set_gt_label(
                self.labels[i])
            for i in indices
        ]

    def __getitem__(self, index: int) -> dict:
        samples = self._data_samples([index])
        return dict(inputs=self.inputs[index], data_samples=None if samples is None else samples[0])

    def __getitems__(self, indices: Sequence[int]) -> dict:
        """The batch of ``indices``: ``inputs`` (B, ...) and B data samples (or None)."""
        indices = list(indices)
        index = torch.as_tensor(indices, device=self.inputs.device)
        return dict(inputs=self.inputs[index], data_samples=self._data_samples(indices))


@FUNCTIONS.register_module()
def batched_collate(batch: Union[dict, Sequence[Any]]) -> Any:
    """The DataLoader's ``collate_fn`` for :class:`BatchedTensorDataset`: the batch that its
    ``__getitems__`` made passes unchanged; a list of samples (a dataset wrapper that fetches
    one sample at a time) is stacked by mmengine's ``default_collate``.

    ``collate_fn=dict(type='batched_collate')`` in a dataloader config.
    """
    return batch if isinstance(batch, dict) else default_collate(batch)
