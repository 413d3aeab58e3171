"""The SAIM reconstruction picture: original, prediction order, smoothed target, prediction."""
from typing import List, Sequence

import numpy as np
import torch
from matplotlib import colormaps
from mmcv.transforms import Compose
from mmengine.dataset import default_collate
from mmpretrain.registry import TRANSFORMS
from PIL import Image, ImageDraw

from ..models.utils import denormalize_patches, order_ranks, patch_grid, patchify, unpatchify

PANELS = ('original', 'order', 'smoothed target', 'prediction')


def load_images(model, paths: Sequence[str], size: int) -> torch.Tensor:
    """Read images, resize the short side to ``size``, center-crop, normalize: (B, 3, S, S)."""
    pipeline = Compose([
        TRANSFORMS.build(t) for t in (
            dict(type='LoadImageFromFile'),
            dict(type='ResizeEdge', scale=size, edge='short', backend='pillow',
                 interpolation='bicubic'),
            dict(type='CenterCrop', crop_size=size),
            dict(type='PackInputs'),
        )
    ])
    samples = []
    for path in paths:
        try:
            samples.append(pipeline(dict(img_path=path)))
        except Exception as e:
            raise ValueError(f'Cannot read image {path!r} ({e}); remove or replace the '
                             'file') from e
    return model.data_preprocessor(default_collate(samples), False)['inputs']


def _to_uint8(images: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> np.ndarray:
    """(B, 3, H, W) normalized -> (B, H, W, 3) uint8."""
    pixels = images.float() * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)
    return pixels.clamp(0, 255).round().byte().permute(0, 2, 3, 1).cpu().numpy()


def reconstruction_panels(model, images: torch.Tensor, seed: int = 0) -> List[np.ndarray]:
    """Predict every patch of ``images`` in the model's order (a random one fixed by ``seed``).

    Returns one (B, H, W, 3) uint8 array per entry of :data:`PANELS`. With ``norm_pix`` the
    predicted patches are shown with the mean and variance of the smoothed target patch.
    """
    p = model.backbone.patch_size
    grid = patch_grid(images.shape, p)
    generator = torch.Generator(device=images.device).manual_seed(seed)
    order = model.draw_order(images, generator)
    was_training = model.training
    model.eval()
    out = model.reconstruct(images, order)
    model.train(was_training)
    prediction = out['prediction'].float()
    if model.head.norm_pix:
        prediction = denormalize_patches(prediction, patchify(out['smoothed'].float(), p))
    mean, std = model.data_preprocessor.mean.float(), model.data_preprocessor.std.float()
    ranks = order_ranks(out['order']).float() / max(grid[0] * grid[1] - 1, 1)
    rank_map = colormaps['viridis'](ranks.view(-1, *grid).cpu().numpy())[..., :3]
    rank_map = np.kron(rank_map, np.ones((1, p, p, 1)))  # one colour per patch
    return [
        _to_uint8(images, mean, std),
        (rank_map * 255).round().astype(np.uint8),
        _to_uint8(out['smoothed'], mean, std),
        _to_uint8(unpatchify(prediction, p, grid), mean, std),
    ]


def reconstruction_figure(panels: List[np.ndarray], min_side: int = 160) -> Image.Image:
    """Lay the panels out as a grid: one row per image, one column per panel, titled."""
    B, H, W, _ = panels[0].shape
    scale = max(1, -(-min_side // min(H, W)))
    h, w, gap, title = H * scale, W * scale, 4, 18
    canvas = Image.new('RGB', (len(panels) * (w + gap) + gap, title + B * (h + gap) + gap),
                       'white')
    draw = ImageDraw.Draw(canvas)
    for col, (name, panel) in enumerate(zip(PANELS, panels)):
        x = gap + col * (w + gap)
        draw.text((x, 3), name, fill='black')
        for row in range(B):
            tile = Image.fromarray(panel[row]).resize((w, h), Image.NEAREST)
            canvas.paste(tile, (x, title + gap + row * (h + gap)))
    return canvas


def save_reconstruction(model, images: torch.Tensor, out_file: str, seed: int = 0) -> None:
    """Render :func:`reconstruction_panels` of ``images`` to a PNG file."""
    reconstruction_figure(reconstruction_panels(model, images, seed)).save(out_file)
