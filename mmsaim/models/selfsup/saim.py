from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmpretrain.models import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..utils import (ORDER_NAMES, BlockRunner, CausalLayout, Layout, MaskedLayout,
                     draw_permutation, patch_grid)


def _take_from_backbone(cfg: dict, name: str, derived: dict) -> dict:
    """``cfg`` with the ``derived`` values filled in; a different explicit value is an error."""
    cfg = dict(cfg)
    for key, value in derived.items():
        if key in cfg and cfg[key] != value:
            raise ValueError(f'SAIM: {name}.{key}={cfg[key]!r} but the backbone gives {value!r}; '
                             f'leave {name}.{key} out of the config (SAIM takes it from the '
                             'backbone) or make the two agree')
        cfg[key] = value
    return cfg


def shared_settings(backbone, neck: Optional[dict], head: dict,
                    data_preprocessor: dict) -> Tuple[Optional[dict], dict, dict]:
    """The neck, head and data preprocessor configs with the backbone's settings filled in.

    The query stream takes the encoder's width and depth, and its own width and heads
    default to the encoder's; the head takes the width of whatever feeds it and the patch size
    and channels; the data preprocessor the patch size.
    """
    width = backbone.embed_dims
    if neck is not None and not isinstance(neck, torch.nn.Module):
        neck = _take_from_backbone(neck, 'neck', dict(encoder_depth=backbone.num_layers,
                                                      encoder_dims=width))
        neck.setdefault('embed_dims', width)
        neck.setdefault('num_heads', backbone.arch_settings['num_heads'])
        if not neck.get('share_encoder_blocks'):
            width = neck['embed_dims']
    patch = dict(patch_size=backbone.patch_size)
    if not isinstance(head, torch.nn.Module):
        head = _take_from_backbone(head, 'head', dict(
            embed_dims=width, in_channels=backbone.patch_embed.projection.in_channels, **patch))
    if isinstance(data_preprocessor, dict) and data_preprocessor.get(
            'type') == 'SAIMDataPreprocessor':
        data_preprocessor = _take_from_backbone(data_preprocessor, 'data_preprocessor', patch)
    return neck, head, data_preprocessor


@MODELS.register_module()
class SAIM(BaseSelfSupervisor):
    """SAIM: Stochastic Autoregressive Image Modeling (Qi et al., AAAI 2023).

    Every patch of an image is predicted from ``cls`` and the patches that precede it in an
    order drawn per image and per step. One step::

        z       = draw_permutation(order, B, grid)               # (B, N), drawn every step
        h^1..M  = backbone(images, layout(z))                    # content stream
        g       = neck(E, h, layout(z))                          # query stream, (B, N, D)
                  or, without a neck, the content state one step earlier (ViT-iGPT)
        loss    = head.loss(g, images)                           # smoothed-pixel MSE

    ``mode='predict'`` (:meth:`predict`) gives the loss of every prediction step instead,
    for an evaluation of how well the model predicts in an order (``PredictionStepLoss``).

    ``E`` and ``g`` are in patch order. The layout, chosen once (:class:`CausalLayout`, or
    :class:`MaskedLayout` with ``explicit_masks``), is how both streams compute under ``z``.

    Args:
        backbone (dict): the encoder, :class:`SAIMViT`.
        head (dict): :class:`SAIMPixelHead`.
        neck (dict, optional): :class:`SAIMQueryDecoder`; ``None`` for ViT-iGPT, where the
            encoder output at step t predicts the patch of step t + 1.
        order (str): the order drawn every step, one of :data:`ORDER_NAMES`:
            ``'stochastic'`` (default, a random order per image) or ``'raster'`` (the
            ablation; ``'center-out'`` is another fixed order).
        explicit_masks (bool): run the reference attention with explicit per-sample masks
            (:class:`MaskedLayout`) instead of causal attention on the permuted sequence
            (:class:`CausalLayout`). Defaults to False.
        compile_blocks (bool | dict): regional ``torch.compile`` of the blocks of both
            streams (:class:`BlockRunner`; a dict is ``torch.compile``'s arguments).
            Defaults to False.
        checkpoint_every (int): activation checkpoints in every k-th block of both streams;
            0 (default) none, 1 every block.
        residual_in_autocast_dtype (bool): under autocast, keep both streams' residual
            additions in the autocast dtype instead of fp32. Defaults to False.
        data_preprocessor (dict, optional): Defaults to :class:`SAIMDataPreprocessor`.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 neck: Optional[dict] = None,
                 order: str = 'stochastic',
                 explicit_masks: bool = False,
                 compile_blocks: Union[bool, dict] = False,
                 checkpoint_every: int = 0,
                 residual_in_autocast_dtype: bool = False,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if order not in ORDER_NAMES:
            raise ValueError(f'SAIM order must be one of {ORDER_NAMES}, got {order!r}')
        backbone = MODELS.build(backbone) if isinstance(backbone, dict) else backbone
        neck, head, data_preprocessor = shared_settings(
            backbone, neck, head, data_preprocessor or dict(type='SAIMDataPreprocessor'))
        super().__init__(backbone=backbone, neck=neck, head=head,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.order = order
        self.layout = MaskedLayout if explicit_masks else CausalLayout
        self.run_block = BlockRunner(compile_blocks, checkpoint_every,
                                     residual_in_autocast_dtype)
        # Fixed sin-cos positions; the final norm is outside the pretraining graph.
        self.backbone.pos_embed.requires_grad_(False)
        if self.backbone.final_norm:
            self.backbone.ln1.requires_grad_(False)

    def draw_layout(self, images: torch.Tensor,
                    seeds: Optional[Sequence[int]] = None) -> Layout:
        """A fresh permutation per image of (B, C, H, W) images, drawn as ``self.order``
        (a stochastic one from each image's seed when ``seeds`` are given), in the model's
        layout."""
        grid = patch_grid(images.shape, self.backbone.patch_size)
        return self.layout(
            draw_permutation(self.order, images.shape[0], grid, images.device, seeds=seeds))

    def predict_features(self, images: torch.Tensor, layout: Layout) -> torch.Tensor:
        """(B, C, H, W) images -> (B, N, D) features that predict each patch, in patch order."""
        hidden_states = self.backbone(images, layout, self.run_block)
        if not self.with_neck:
            return layout.predecessors(hidden_states[-1])
        pos_embed = self.backbone.patch_pos_embed(
            patch_grid(images.shape, self.backbone.patch_size), self.neck.embed_dims)
        return self.neck(pos_embed, hidden_states, layout, self.backbone.layers,
                         self.run_block)

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """The SAIM loss of one batch of normalized images (B, C, H, W)."""
        features = self.predict_features(inputs, self.draw_layout(inputs))
        return dict(loss=self.head.loss(features, inputs))

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """mmpretrain's modes ``'tensor'`` and ``'loss'``, and ``'predict'``
        (:meth:`predict`)."""
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        return super().forward(inputs, data_samples, mode)

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None) -> List[DataSample]:
        """The loss of every prediction step of (B, C, H, W) images under ``self.order``.

        Each data sample gets ``step_losses`` (N, ): entry t is the loss of the patch
        predicted at step t + 1 (from ``cls`` and the t patches before it), as the training
        loss defines it (:meth:`SAIMPixelHead.patch_losses`), so the mean over the images
        and the steps is :meth:`loss` under the same orders (``PredictionStepLoss``
        averages them). A stochastic order is drawn per image from its ``sample_idx``
        (:func:`draw_permutation` with ``seeds``): every model evaluated on a dataset
        predicts its images in the same orders, in any batch and on any device.
        """
        seeds = None
        if self.order == 'stochastic':
            if data_samples is None or any('sample_idx' not in s for s in data_samples):
                raise ValueError(
                    'SAIM.predict draws the stochastic order of each image from its '
                    'sample_idx: give data samples that carry it (mmpretrain\'s PackInputs '
                    'and mmsaim\'s in-memory datasets set it)')
            seeds = [sample.sample_idx for sample in data_samples]
        layout = self.draw_layout(inputs, seeds)
        losses = self.head.patch_losses(self.predict_features(inputs, layout), inputs)
        step_losses = losses.gather(1, layout.permutation)  # (B, N) in prediction order
        data_samples = data_samples or [DataSample() for _ in range(len(inputs))]
        for sample, sample_losses in zip(data_samples, step_losses):
            sample.set_field(sample_losses, 'step_losses')
        return data_samples

    @torch.no_grad()
    def reconstruct(self, inputs: torch.Tensor,
                    layout: Optional[Layout] = None) -> Dict[str, torch.Tensor]:
        """Predict every patch of (B, C, H, W) images under ``layout`` (drawn if not given).

        Returns ``prediction`` and ``target`` (B, N, p^2 * C) in patch order, the smoothed
        images ``smoothed`` (B, C, H, W) and the ``permutation`` (B, N).
        """
        layout = self.draw_layout(inputs) if layout is None else layout
        prediction = self.head.predict(self.predict_features(inputs, layout))
        return dict(prediction=prediction, target=self.head.construct_target(inputs),
                    smoothed=self.head.smooth(inputs), permutation=layout.permutation)
