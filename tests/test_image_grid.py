"""One image-grid function: the figures, the panels and the snapshot grids that `python -m ganlib train dcgan`
writes are all tiled by torchvision's make_grid (ganlib.plotting.tile_images for the grey ones), and the
figures keep the pixels they had when ganlib tiled them by hand."""

import numpy as np
import torch
from torchvision.utils import make_grid

from ganlib.plotting import tile_images


def test_images_are_tiled_in_rows_with_white_padding_around_each():
    images = torch.tensor([[[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.6], [0.7, 0.8]], [[0.9, 0.0], [0.2, 0.4]]])
    W = 1.0  # the padding is white
    expected = np.array([
        [W, W, W, W, W, W, W],
        [W, 0.1, 0.2, W, 0.5, 0.6, W],
        [W, 0.3, 0.4, W, 0.7, 0.8, W],
        [W, W, W, W, W, W, W],
        [W, 0.9, 0.0, W, W, W, W],
        [W, 0.2, 0.4, W, W, W, W],
        [W, W, W, W, W, W, W],
    ], dtype=np.float32)
    canvas = tile_images(images, nrow=2, padding=1)
    assert canvas.dtype == np.float32 and np.array_equal(canvas, expected)
    assert np.array_equal(tile_images(images[:, None], nrow=2, padding=1), expected), "(N, 1, H, W) as (N, H, W)"


def test_the_grid_is_make_grid_s_with_tanh_outputs_mapped_to_the_unit_range():
    images = torch.rand(11, 1, 6, 5) * 2 - 1
    expected = make_grid((images + 1) / 2, nrow=4, padding=2, pad_value=1)[0].numpy()
    assert np.array_equal(tile_images(images, nrow=4), expected)


def test_a_single_image_keeps_its_border():
    canvas = tile_images(torch.zeros(1, 1, 3, 3), padding=2)
    assert canvas.shape == (7, 7) and canvas.sum() == 7 * 7 - 3 * 3
