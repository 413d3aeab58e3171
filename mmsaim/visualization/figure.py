"""The building blocks of mmsaim's pictures: images back to pixels, per-patch colours, and a
grid of titled panels with legends and notes."""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from matplotlib import colormaps, font_manager
from PIL import Image, ImageDraw, ImageFont

TITLE_HEIGHT, LEGEND_HEIGHT, NOTE_HEIGHT, GAP = 18, 16, 15, 4
# Matplotlib's own DejaVu Sans: PIL's built-in font has almost no space between words.
FONT = ImageFont.truetype(font_manager.findfont('DejaVu Sans'), 11)


def to_uint8(model, images: torch.Tensor) -> np.ndarray:
    """(B, 3, H, W) images as ``model``'s data preprocessor gives them -> (B, H, W, 3) uint8:
    its normalization, if it has one, undone."""
    pixels = images.float()
    if getattr(model.data_preprocessor, 'mean', None) is not None:
        pixels = pixels * model.data_preprocessor.std.float().view(1, -1, 1, 1) + \
            model.data_preprocessor.mean.float().view(1, -1, 1, 1)
    return pixels.clamp(0, 255).round().byte().permute(0, 2, 3, 1).cpu().numpy()


def patch_colours(values: torch.Tensor, patch_size: int, cmap: str = 'viridis') -> np.ndarray:
    """(B, h, w) values in [0, 1] -> (B, h * p, w * p, 3) uint8, one colour per patch."""
    colours = colormaps[cmap](values.float().clamp(0, 1).cpu().numpy())[..., :3]
    return (np.kron(colours, np.ones((1, patch_size, patch_size, 1))) * 255).round().astype(
        np.uint8)


def colour_bar(width: int, left: str, right: str, cmap: str = 'viridis') -> Image.Image:
    """A ``LEGEND_HEIGHT`` high legend: ``left``, the colour map from 0 to 1, ``right``."""
    legend = Image.new('RGB', (width, LEGEND_HEIGHT), 'white')
    draw = ImageDraw.Draw(legend)
    left_w, right_w = draw.textlength(left, FONT) + 3, draw.textlength(right, FONT) + 3
    bar_w = max(int(width - left_w - right_w), 8)
    bar = colormaps[cmap](np.linspace(0, 1, bar_w))[:, :3]
    bar = (np.repeat(bar[None], LEGEND_HEIGHT - 6, axis=0) * 255).round().astype(np.uint8)
    legend.paste(Image.fromarray(bar), (int(left_w), 3))
    draw.text((0, 1), left, fill='black', font=FONT)
    draw.text((int(left_w) + bar_w + 3, 1), right, fill='black', font=FONT)
    return legend


def _wrap(draw: ImageDraw.ImageDraw, text: str, width: int) -> Sequence[str]:
    lines, line = [], ''
    for word in text.split():
        candidate = f'{line} {word}'.strip()
        if line and draw.textlength(candidate, FONT) > width:
            lines.append(line)
            candidate = word
        line = candidate
    return lines + [line] if line else lines


def panel_grid(columns: Sequence[Tuple[str, np.ndarray]],
               min_side: int = 160,
               legends: Optional[Dict[int, Tuple[str, str, str]]] = None,
               notes: Sequence[str] = ()) -> Image.Image:
    """Lay panels out as a grid: one column per ``(title, (B, H, W, 3) uint8)``, one row per
    image, each tile scaled up (nearest) to at least ``min_side`` pixels.

    ``legends`` maps a column index to ``(left label, right label, colour map)``: a colour
    bar under that column's title. ``notes`` are lines of text under the grid, wrapped to
    its width.
    """
    legends = legends or {}
    B, H, W, _ = columns[0][1].shape
    scale = max(1, -(-min_side // min(H, W)))
    h, w = H * scale, W * scale
    width = len(columns) * (w + GAP) + GAP
    draw = ImageDraw.Draw(Image.new('RGB', (1, 1)))
    lines = [line for note in notes for line in _wrap(draw, note, width - 2 * GAP)]
    top = TITLE_HEIGHT + (LEGEND_HEIGHT if legends else 0)
    grid_bottom = top + B * (h + GAP) + GAP
    canvas = Image.new('RGB', (width, grid_bottom + len(lines) * NOTE_HEIGHT + GAP), 'white')
    draw = ImageDraw.Draw(canvas)
    for col, (title, panel) in enumerate(columns):
        x = GAP + col * (w + GAP)
        draw.text((x, 2), title, fill='black', font=FONT)
        if col in legends:
            canvas.paste(colour_bar(w, *legends[col]), (x, TITLE_HEIGHT))
        for row in range(B):
            tile = Image.fromarray(panel[row]).resize((w, h), Image.NEAREST)
            canvas.paste(tile, (x, top + GAP + row * (h + GAP)))
    for i, line in enumerate(lines):
        draw.text((GAP, grid_bottom + i * NOTE_HEIGHT), line, fill='black', font=FONT)
    return canvas
