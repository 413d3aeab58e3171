"""Use a SAIM checkpoint: build the model, read images, encode them, reconstruct them."""
from contextlib import contextmanager
from os import PathLike
from typing import Dict, Iterator, Optional, Sequence, Union

import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmpretrain.apis import get_model
from mmpretrain.models import VisionTransformer
from mmpretrain.registry import TRANSFORMS
from rich.progress import track

from ..models.utils import denormalize_patches, patch_grid, patchify, unpatchify
from ..runner import summarized_init_report
from .orders import OrderSpec, batch_permutation
from .trained_weights import load_trained_weights

FEATURE_KINDS = ('cls', 'mean', 'patches')
Images = Union[str, PathLike, Sequence[Union[str, PathLike]], torch.Tensor]


def init_model(config: Union[str, PathLike, Config],
               checkpoint: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu'):
    """Build the model of ``config`` and load ``checkpoint`` into it, in eval mode on ``device``.

    Args:
        config: a config file, a :class:`Config`, or a model name of
            ``mmpretrain.list_models('*saim*')``. Built through mmpretrain's ``get_model``.
        checkpoint: a checkpoint holding every weight of that model with its shape (a
            pretraining config takes a pretraining checkpoint). It is read with
            :func:`mmsaim.fileio.read_checkpoint`, which refuses files that could run
            code; a checkpoint that does not fit raises a ``CheckpointError`` listing what is
            missing. ``None`` keeps the model's own initialization.
        device: Defaults to ``'cpu'``.
    """
    model = get_model(config, device=device)
    if checkpoint is None:
        with summarized_init_report(model):
            model.init_weights()
    else:
        load_trained_weights(model, checkpoint, str(config))
    return model.eval()


@contextmanager
def eval_mode(model) -> Iterator[None]:
    """Run the block with ``model`` in eval mode, then restore its mode."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def image_size(model) -> int:
    """The side of the square images ``model`` was built for (its backbone's ``img_size``)."""
    return model.backbone.patch_resolution[0] * model.backbone.patch_size


def load_pipeline(size: int) -> Compose:
    """Read an image file, resize its short side to ``size`` and center-crop it square."""
    return Compose([
        TRANSFORMS.build(t) for t in (
            dict(type='CheckedLoadImageFromFile'),
            dict(type='ResizeEdge', scale=size, edge='short', backend='pillow',
                 interpolation='bicubic'),
            dict(type='CenterCrop', crop_size=size),
            dict(type='PackInputs'),
        )
    ])


def load_images(model, paths: Sequence[Union[str, PathLike]],
                size: Optional[int] = None) -> torch.Tensor:
    """Read image files as ``model`` takes them: (B, 3, S, S), normalized, on its device.

    Each image's short side is resized to ``size`` (default :func:`image_size`), it is
    center-cropped, and the model's data preprocessor normalizes it.
    """
    pipeline = load_pipeline(size or image_size(model))
    samples = []
    for path in paths:
        try:
            samples.append(pipeline(dict(img_path=str(path))))
        except Exception as e:
            raise ValueError(f'Cannot read image {str(path)!r} ({e}); remove or replace the '
                             'file') from e
    return model.data_preprocessor(default_collate(samples), False)['inputs']


def as_batch(model, images: Images) -> torch.Tensor:
    """``images`` as a normalized (B, C, H, W) batch on the model's device.

    A tensor is taken as already normalized by the model's data preprocessor, (C, H, W) or
    (B, C, H, W); a file path or a list of paths is read with :func:`load_images`.
    """
    if isinstance(images, torch.Tensor):
        if images.dim() not in (3, 4):
            raise ValueError(f'images must be (C, H, W) or (B, C, H, W), got shape '
                             f'{tuple(images.shape)}')
        batch = images if images.dim() == 4 else images[None]
        return batch.to(model.data_preprocessor.device)
    if isinstance(images, (str, PathLike)):
        images = [images]
    return load_images(model, images)


@contextmanager
def _last_block_tokens(backbone: VisionTransformer) -> Iterator[None]:
    """Make ``backbone(x)`` return only the last block's (B, 1 + N, D) tokens while it runs."""
    saved = backbone.out_type, backbone.out_indices
    backbone.out_type, backbone.out_indices = 'raw', [backbone.num_layers - 1]
    try:
        yield
    finally:
        backbone.out_type, backbone.out_indices = saved


@torch.no_grad()
def extract_features(model, images: Images, kind: str = 'mean', batch_size: int = 64,
                     progress: bool = False) -> torch.Tensor:
    """Encode images with the encoder alone, with full attention (fine-tuning's view).

    The features are the tokens of the last block, after the encoder's final norm (which
    SAIM pretraining leaves at its initial weight 1 and bias 0: a plain normalization).

    Args:
        model: a model with an mmpretrain ``VisionTransformer`` backbone (SAIM's or a
            fine-tuned classifier), e.g. from :func:`init_model`.
        images: see :func:`as_batch`.
        kind: ``'mean'`` (default): the mean of the patch tokens, (B, D); ``'patches'``:
            the patch tokens in raster order, (B, N, D); ``'cls'``: the cls token, (B, D).
            A SAIM pretraining checkpoint's cls token attended only to itself, so it has
            learned nothing about images until fine-tuning: use ``'mean'`` or ``'patches'``.
        batch_size (int): images encoded at once. Defaults to 64.
        progress (bool): show a progress bar over the batches. Defaults to False.

    Returns:
        Tensor: (B, D) or (B, N, D), with D the encoder width and N = H * W / patch^2.
    """
    if kind not in FEATURE_KINDS:
        raise ValueError(f'kind must be one of {FEATURE_KINDS}, got {kind!r}')
    backbone = model.backbone
    if not isinstance(backbone, VisionTransformer):
        raise TypeError(f'extract_features needs a VisionTransformer backbone, the model has '
                        f'a {type(backbone).__name__}')
    if kind == 'cls' and not backbone.with_cls_token:
        raise ValueError("kind='cls': this encoder has no cls token; use 'mean' or 'patches'")
    if isinstance(images, (str, PathLike)) or (isinstance(images, torch.Tensor)
                                               and images.dim() == 3):
        images = [images] if not isinstance(images, torch.Tensor) else images[None]
    chunks = [images[i:i + batch_size] for i in range(0, len(images), batch_size)]
    features = []
    with eval_mode(model), _last_block_tokens(backbone):
        for chunk in track(chunks, description='Extracting features', disable=not progress,
                           transient=True):
            (tokens, ) = backbone(as_batch(model, chunk))
            if kind == 'cls':
                features.append(tokens[:, 0])
            else:
                patches = tokens[:, backbone.num_extra_tokens:]
                features.append(patches.mean(dim=1) if kind == 'mean' else patches)
    return torch.cat(features)


@torch.no_grad()
def reconstruct(model, images: Images, order: OrderSpec = None,
                generator: Optional[torch.Generator] = None) -> Dict[str, torch.Tensor]:
    """Predict every patch of each image from the patches before it in ``order``.

    One pass of the SAIM ``model`` (as in pretraining, in eval mode).

    Args:
        images: see :func:`as_batch`.
        order: ``None`` (the model's own: a random order per image, from ``generator``,
            for a ``'stochastic'`` model), a name of :data:`~mmsaim.apis.ORDER_NAMES`, or a
            permutation of the patches, (N,) for every image or (B, N) (see
            :func:`~mmsaim.apis.batch_permutation`).

    Returns:
        dict: ``prediction`` (B, N, p^2 * C), the head's output in patch order; ``target``
        (B, N, p^2 * C), what the loss compares it with; ``smoothed`` (B, C, H, W), the
        blurred images; ``permutation`` (B, N); ``image`` (B, C, H, W), the prediction as a
        normalized image. A model trained with ``norm_pix`` predicts each patch normalized
        by its own mean and variance, which has no pixel scale: its ``image`` shows every
        predicted patch with the mean and variance of the smoothed target patch it predicts
        (information the prediction did not have).
    """
    batch = as_batch(model, images)
    permutation = batch_permutation(model, batch, order, generator)
    with eval_mode(model):
        out = model.predict_in_order(batch, permutation)
    smoothed = model.head.smooth(batch)
    p = model.backbone.patch_size
    prediction = out['prediction'].float()
    if model.head.norm_pix:
        prediction = denormalize_patches(prediction, patchify(smoothed.float(), p))
    return dict(prediction=out['prediction'], target=out['target'], smoothed=smoothed,
                permutation=permutation,
                image=unpatchify(prediction, p, patch_grid(batch.shape, p)))
