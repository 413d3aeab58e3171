"""The pictures: what each panel shows, the order legend, and the notes that explain them."""
import numpy as np
import torch
from matplotlib import colormaps

from mmsaim.apis import attention_maps, complete, random_visible
from mmsaim.models.utils import draw_permutation, patchify
from mmsaim.visualization import (attention_figure, completion_figure, completion_frames,
                                  reconstruction_figure, reconstruction_panels)
from mmsaim.visualization.figure import GAP, LEGEND_HEIGHT, TITLE_HEIGHT, to_uint8
from mmsaim.visualization.reconstruction import reconstruction_notes
from tests.helpers.models import build_tiny_pixel_saim, build_tiny_saim


def nearest_column(row: np.ndarray, colour) -> int:
    """The x of the pixel of an (W, 3) row closest to an RGB colour in [0, 1]."""
    return int(np.abs(row.astype(float) - np.array(colour) * 255).sum(-1).argmin())


def test_reconstruction_picture_has_order_legend_and_says_what_prediction_shows():
    model = build_tiny_saim()
    images = torch.randn(2, 3, 32, 32)
    picture = np.asarray(reconstruction_figure(model, images))
    tile = 32 * 5  # tiles are scaled to at least 160 px
    assert picture.shape[1] == 4 * (tile + GAP) + GAP
    legend = picture[TITLE_HEIGHT + LEGEND_HEIGHT // 2, GAP + tile + GAP:GAP + 2 * tile + GAP]
    dark, light = colormaps['viridis'](0.)[:3], colormaps['viridis'](1.)[:3]
    assert nearest_column(legend, dark) < nearest_column(legend, light)  # dark = early
    # Rows of tiles, then at least one line of notes under them.
    assert picture.shape[0] > TITLE_HEIGHT + LEGEND_HEIGHT + 2 * (tile + GAP) + 10
    assert 'mean and variance of its smoothed target patch' in reconstruction_notes(model)[0]
    assert 'without norm_pix' in reconstruction_notes(build_tiny_pixel_saim())[0]


def test_order_panel_colours_the_first_patch_dark():
    model = build_tiny_saim()
    images = torch.randn(1, 3, 32, 32)
    order_panel = reconstruction_panels(model, images, seed=3)[1]
    seeded = torch.Generator().manual_seed(3)
    first = draw_permutation(model.order, 1, (4, 4), generator=seeded)[0, 0]
    r, c = divmod(int(first), 4)
    dark = np.round(np.array(colormaps['viridis'](0.)[:3]) * 255)
    np.testing.assert_array_equal(order_panel[0, r * 8 + 3, c * 8 + 3], dark)


def test_completion_frames_show_the_completion_as_it_proceeds():
    model = build_tiny_pixel_saim().eval()
    image = torch.randn(3, 32, 32)
    completion = complete(model, image, random_visible((4, 4), .25,
                                                       torch.Generator().manual_seed(0)))
    frames = completion_frames(model, completion, 4)  # 0, 4, 8, 12 of 12 predicted
    done = patchify(torch.from_numpy(to_uint8(model, completion.image[None])).permute(
        0, 3, 1, 2), 8)[0]
    for frame, predicted in zip(frames, (0, 4, 8, 12)):
        patches = patchify(torch.from_numpy(frame).permute(0, 3, 1, 2), 8)[0]
        shown = completion.permutation[:4 + predicted]
        assert torch.equal(patches[shown], done[shown])
        assert (patches[completion.permutation[4 + predicted:]] == 128).all()  # grey: not yet
    strip = completion_figure(model, completion, image, num_frames=4)
    assert strip.size[0] == 6 * (160 + GAP) + GAP  # original, order, 4 frames


def test_attention_picture_has_a_row_per_patch_and_a_column_per_stream():
    model = build_tiny_saim()
    image = torch.randn(1, 3, 32, 32)
    maps = attention_maps(model, image, 'raster')
    picture = attention_figure(model, image[0], maps, [5, 15])
    assert picture.size[0] == 4 * (160 + GAP) + GAP  # image, order, content, query
    assert picture.size[1] > TITLE_HEIGHT + LEGEND_HEIGHT + 2 * (160 + GAP)
    igpt = build_tiny_saim(neck=None)
    picture = attention_figure(igpt, image[0], attention_maps(igpt, image, 'raster'), [5])
    assert picture.size[0] == 3 * (160 + GAP) + GAP  # no query stream
