"""Autoregressive completion: keep some patches of an image, predict the others one by one.

SAIM predicts the patch at step t of an order from ``cls``, the position embeddings and the
content of the patches at steps < t, nothing else. So the kept (visible) patches go first in
the order, and each hidden patch, in turn, is predicted and written into the image as
content for the steps after it.
"""
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from rich.progress import track

from ..models.utils import patch_grid, patchify, unpatchify
from .inference import Images, as_batch, eval_mode, load_pipeline
from .orders import OrderSpec, batch_permutation

NORM_PIX_REFUSAL = (
    'complete needs a model trained with head.norm_pix=False: a norm_pix model predicts '
    'each patch normalized by its own mean and variance, which has no pixel scale, so a '
    'prediction cannot be written back into the image as content. Train one with '
    'configs/saim/saim_vit-tiny-p8-pixel-target_1xb32-coslr-12e_demo-64px.py (or '
    '--cfg-options model.head.norm_pix=False).')


@dataclass
class Completion:
    """The result of :func:`complete`.

    Attributes:
        image (Tensor): (C, H, W), normalized as the model's inputs: the visible patches as
            given, every other one predicted.
        permutation (Tensor): (N,) the order of the completion: the visible patches first,
            then the hidden ones in the order they were predicted.
        num_visible (int): how many patches were kept; ``permutation[num_visible:]`` were
            predicted.
    """
    image: torch.Tensor
    permutation: torch.Tensor
    num_visible: int


def visible_first(permutation: torch.Tensor, visible: torch.Tensor) -> torch.Tensor:
    """(N,) permutation and (N,) bool visible -> the permutation with the visible patches
    moved to the front; each part keeps its relative order."""
    return torch.cat([permutation[visible[permutation]], permutation[~visible[permutation]]])


def as_visible(visible: Union[torch.Tensor, np.ndarray, Sequence[bool]],
               grid: Tuple[int, int]) -> torch.Tensor:
    """A keep-mask as a (N,) bool tensor; ``visible`` is (N,) or (h, w), True = keep."""
    visible = torch.as_tensor(np.asarray(visible))
    h, w = grid
    if visible.dtype != torch.bool or tuple(visible.shape) not in ((h * w, ), (h, w)):
        raise ValueError(f'visible must be a bool mask of the {h}x{w} patch grid, shaped '
                         f'({h * w},) or ({h}, {w}), True for the patches to keep; got '
                         f'{visible.dtype} of shape {tuple(visible.shape)}')
    return visible.flatten()


def random_visible(grid: Tuple[int, int], keep: float,
                   generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """(N,) bool: ``round(keep * N)`` patches of the grid, drawn uniformly, are visible."""
    if not 0 <= keep <= 1:
        raise ValueError(f'keep is the fraction of patches kept, in [0, 1]; got {keep}')
    num_patches = grid[0] * grid[1]
    visible = torch.zeros(num_patches, dtype=torch.bool)
    visible[torch.randperm(num_patches, generator=generator)[:round(keep * num_patches)]] = True
    return visible


def visible_from_mask_file(path: str, size: int, grid: Tuple[int, int]) -> torch.Tensor:
    """(N,) bool from a mask image (white = keep), resized and cropped as images are to
    ``size``: a patch is visible when at least half of its pixels are white."""
    try:
        mask = load_pipeline(size)(dict(img_path=path))['inputs']
    except Exception as e:
        raise ValueError(f'Cannot read mask {path!r} ({e}); give an image file, white where '
                         'the patches are kept') from e
    white = (mask.float().mean(dim=0) > 127).float()  # (S, S)
    h, w = grid
    share = white.reshape(h, white.shape[0] // h, w, white.shape[1] // w).mean(dim=(1, 3))
    return (share >= .5).flatten()


@torch.no_grad()
def complete(model, image: Images, visible, order: OrderSpec = 'raster',
             generator: Optional[torch.Generator] = None,
             progress: bool = False) -> Completion:
    """Keep the ``visible`` patches of ``image`` and predict the others one at a time.

    The hidden patches are predicted in ``order``; each prediction is written into the image
    and is content for the predictions after it. Since a prediction depends only on the
    patches before it, the visible patches come first in the order (see
    :func:`visible_first`) and their content is all the completion uses of ``image``.

    The model must be trained with ``head.norm_pix=False`` (its predictions are pixels,
    normalized as the inputs). It predicts the Gaussian-smoothed image, so completed patches
    are smooth. Each step is one forward pass: N - V passes for N patches, V visible.

    Args:
        model: a SAIM model, e.g. from :func:`init_model`.
        image: one image: a file path or a normalized (C, H, W) or (1, C, H, W) tensor.
        visible: bool, (N,) or (h, w) over the patch grid, True for the patches to keep.
        order: a name of :data:`~mmsaim.apis.ORDER_NAMES` (``'stochastic'`` from
            ``generator``; ``None`` is the model's own) or a permutation of ``0..N-1``, as in
            :func:`batch_permutation`; the visible patches are moved to its front, each part
            keeping its relative order.
        progress (bool): show a progress bar over the steps. Defaults to False.

    Returns:
        Completion: the completed (C, H, W) image, the permutation, the number of visible
        patches.
    """
    if model.head.norm_pix:
        raise ValueError(NORM_PIX_REFUSAL)
    batch = as_batch(model, image)
    if batch.shape[0] != 1:
        raise ValueError(f'complete takes one image, got a batch of {batch.shape[0]}')
    p = model.backbone.patch_size
    grid = patch_grid(batch.shape, p)
    visible = as_visible(visible, grid).to(batch.device)
    z = visible_first(batch_permutation(model, batch, order, generator)[0], visible)
    patches = patchify(batch, p).clone()
    patches[:, ~visible] = 0  # never read: each step sees only the patches before it
    num_visible = int(visible.sum())
    with eval_mode(model):
        for step in track(range(num_visible, z.numel()), description='Completing',
                          disable=not progress, transient=True):
            prediction = model.predict_in_order(unpatchify(patches, p, grid), z[None])
            patches[:, z[step]] = prediction['prediction'][:, z[step]]
    return Completion(unpatchify(patches, p, grid)[0], z, num_visible)
