from typing import Dict, List, Optional, Union

import torch
from mmpretrain.models import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..utils import ORDER_NAMES, draw_permutation, gather_tokens, patch_grid, permutation_ranks


@MODELS.register_module()
class SAIM(BaseSelfSupervisor):
    """SAIM: Stochastic Autoregressive Image Modeling (Qi et al., AAAI 2023).

    Every patch of an image is predicted from ``cls`` and the patches that precede it in an
    order drawn per image and per step. One step::

        z       = draw_permutation(order, B, grid)               # (B, N), drawn every step
        h^1..M  = backbone(images, z)                            # content stream
        E       = backbone.patch_pos_embed(grid, D_q)            # sin-cos queries (1, N, D_q)
        g       = neck(h, z, E)                                  # query stream, (B, N, D_q)
                  or, without a neck, the content state one step earlier (ViT-iGPT)
        loss    = mean of head(g, images)['patch_losses']        # (B, N) before the mean

    :meth:`predict_in_order` is that computation for a given permutation: the loss, the
    prediction and the target of any images under any order (the apis, the pictures and
    the tests use it). ``mode='predict'`` (:meth:`predict`) gives the loss of every
    prediction step, for an evaluation of how well the model predicts in an order
    (``PredictionStepLoss``).

    The streams are built from the encoder: the query stream takes its depth, width and
    heads (``neck`` may override the last two), the head the width of whatever feeds it
    and the encoder's patch size and channels.

    Args:
        backbone (dict): the encoder, :class:`SAIMViT`.
        head (dict): :class:`SAIMPixelHead`.
        neck (dict, optional): :class:`SAIMQueryDecoder`; ``None`` for ViT-iGPT, where the
            encoder output at step t predicts the patch of step t + 1.
        order (str): the order drawn every step, one of :data:`ORDER_NAMES`:
            ``'stochastic'`` (default, a random order per image) or ``'raster'`` (the
            ablation; ``'center-out'`` is another fixed order).
        explicit_masks (bool): both streams keep patch order and attend under the paper's
            masks instead of causally in the prediction order (the reference computation;
            the same features). Defaults to False.
        compile_blocks (bool | dict): regional ``torch.compile`` of the blocks of both
            streams (a dict is ``torch.compile``'s arguments; True is ``dynamic=False``:
            training shapes are fixed). Defaults to False.
        checkpoint_every (int): activation checkpoints in every k-th block of both streams;
            0 (default) none, 1 every block.
        residual_in_autocast_dtype (bool): under autocast, keep both streams' residual
            additions in the autocast dtype instead of fp32. Defaults to False.
        data_preprocessor (dict, optional): Defaults to mmpretrain's
            ``SelfSupDataPreprocessor``.
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
        backbone = MODELS.build(backbone)
        if neck is not None:
            neck = MODELS.build(neck, default_args=dict(encoder=backbone))
        given = dict(embed_dims=backbone.embed_dims if neck is None else neck.embed_dims,
                     patch_size=backbone.patch_size,
                     in_channels=backbone.patch_embed.projection.in_channels)
        clash = {key: head[key] for key in given if head.get(key, given[key]) != given[key]}
        if clash:
            raise ValueError(f'SAIM: head settings {clash} differ from what the streams give '
                             f'({ {key: given[key] for key in clash} }); leave them out of '
                             'the config')
        head = MODELS.build(head, default_args=given)
        super().__init__(backbone=backbone, neck=neck, head=head,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.order = order
        self.explicit_masks = explicit_masks
        for stream in [backbone] if neck is None else [backbone, neck]:
            stream.residual_in_autocast_dtype = residual_in_autocast_dtype
            if checkpoint_every:
                stream.set_grad_checkpointing(checkpoint_every)
            if compile_blocks:
                stream.compile_blocks(**(dict(dynamic=False) if compile_blocks is True
                                         else compile_blocks))
        # Fixed sin-cos positions; the norms after the last block are outside the graph.
        for name, param in self.backbone.named_parameters():
            if name == 'pos_embed' or name.startswith(('ln1.', 'ln2.')):
                param.requires_grad_(False)

    def predict_in_order(self, images: torch.Tensor,
                         permutation: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Predict every patch of (B, C, H, W) images from the patches before it in
        ``permutation`` (B, N).

        Returns:
            dict: ``prediction`` and ``target`` (B, N, p^2 * C) and ``patch_losses`` (B, N),
            in patch order; the mean of ``patch_losses`` is the training loss.
        """
        hidden_states = self.backbone(images, permutation, self.explicit_masks)
        if self.with_neck:
            grid = patch_grid(images.shape, self.backbone.patch_size)
            queries = self.backbone.patch_pos_embed(grid, self.neck.embed_dims)
            features = self.neck(hidden_states, permutation, queries, self.explicit_masks)
        else:
            features = self.predecessor_states(hidden_states[-1], permutation)
        return self.head(features, images)

    def predecessor_states(self, states: torch.Tensor,
                           permutation: torch.Tensor) -> torch.Tensor:
        """ViT-iGPT's features: for every patch, in patch order, the content state
        (B, 1 + N, D) of the token predicted just before it (``cls`` for the first)."""
        ranks = permutation_ranks(permutation)
        if not self.explicit_masks:  # states in prediction order
            return gather_tokens(states[:, :-1], ranks)
        previous = torch.cat([torch.zeros_like(permutation[:, :1]), 1 + permutation[:, :-1]],
                             dim=1)  # of the patch of each step: cls or patch z_(t-1)
        return gather_tokens(states, previous.gather(1, ranks))

    def draw_order(self, images: torch.Tensor,
                         seeds: Optional[List[int]] = None) -> torch.Tensor:
        """The (B, N) order of (B, C, H, W) images: ``self.order`` drawn by
        :func:`draw_permutation` (a stochastic one from each image's seed when ``seeds``
        are given)."""
        grid = patch_grid(images.shape, self.backbone.patch_size)
        return draw_permutation(self.order, images.shape[0], grid, images.device,
                                seeds=seeds)

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """The SAIM loss of one batch of normalized images (B, C, H, W)."""
        permutation = self.draw_order(inputs)
        return dict(loss=self.predict_in_order(inputs, permutation)['patch_losses'].mean())

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """mmpretrain's modes ``'tensor'`` and ``'loss'``, and ``'predict'``
        (:meth:`predict`)."""
        if isinstance(inputs, (list, tuple)):  # the views of a multi-view pipeline
            if len(inputs) != 1:
                raise ValueError(f'SAIM takes one view per image, got {len(inputs)}: use a '
                                 'pipeline without MultiView')
            inputs = inputs[0]
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        return super().forward(inputs, data_samples, mode)

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None) -> List[DataSample]:
        """The loss of every prediction step of (B, C, H, W) images under ``self.order``.

        Each data sample gets ``step_losses`` (N, ): entry t is the loss of the patch
        predicted at step t + 1 (from ``cls`` and the t patches before it), as the training
        loss defines it, so the mean over the images and the steps is :meth:`loss` under the
        same orders (``PredictionStepLoss`` averages them). A stochastic order is drawn per
        image from its ``sample_idx`` (:func:`draw_permutation` with ``seeds``): every model
        evaluated on a dataset predicts its images in the same orders, in any batch and on
        any device.
        """
        seeds = None
        if self.order == 'stochastic':
            if data_samples is None or any('sample_idx' not in s for s in data_samples):
                raise ValueError(
                    'SAIM.predict draws the stochastic order of each image from its '
                    'sample_idx: give data samples that carry it (mmpretrain\'s PackInputs '
                    'and mmsaim\'s in-memory datasets set it)')
            seeds = [sample.sample_idx for sample in data_samples]
        permutation = self.draw_order(inputs, seeds)
        losses = self.predict_in_order(inputs, permutation)['patch_losses']
        step_losses = losses.gather(1, permutation)  # (B, N) in prediction order
        data_samples = data_samples or [DataSample() for _ in range(len(inputs))]
        for sample, sample_losses in zip(data_samples, step_losses):
            sample.set_field(sample_losses, 'step_losses')
        return data_samples
