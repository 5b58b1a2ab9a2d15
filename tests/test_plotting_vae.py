"""ganlib.plotting.vae: the manifold grid puts each decoded image at its code, scatters and bars show what they claim."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.colors import to_hex
from torch import nn

from ganlib.models.vae import VAE
from ganlib.models.generator import Generator
from ganlib.plotting.vae import DIGIT_COLOURS, plot_codes_2d, plot_latent_manifold, plot_latent_usage


class CoordinatePainter(Generator):
    """Decodes z into an image whose top half is z1 and bottom half z2, mapped from [-3, 3] to [0, 1]."""

    latent_dim = 2

    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        images = torch.empty(z.shape[0], 1, 28, 28)
        images[:, :, :14] = ((z[:, 0] + 3) / 6)[:, None, None, None]
        images[:, :, 14:] = ((z[:, 1] + 3) / 6)[:, None, None, None]
        return images


def test_manifold_places_each_image_at_its_code():
    fig = plot_latent_manifold(CoordinatePainter(), lim=3.0, steps=5)
    ax = fig.axes[0]
    canvas = np.asarray(ax.images[0].get_array())
    assert canvas.shape == (5 * 28, 5 * 28)
    cell = lambda row, col, half: canvas[row * 28 + (3 if half == "top" else 20), col * 28 + 14]  # noqa: E731
    # z1 grows from left to right, z2 from bottom to top, as on the axes
    assert [round(float(cell(0, c, "top")), 3) for c in range(5)] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert [round(float(cell(r, 0, "bottom")), 3) for r in range(5)] == [1.0, 0.75, 0.5, 0.25, 0.0]
    left, right, bottom, top = ax.images[0].get_extent()
    assert (left, right, bottom, top) == pytest.approx((-3.75, 3.75, -3.75, 3.75))  # cell centres on the codes
    assert ax.get_xlabel() == "$z_1$" and ax.get_ylabel() == "$z_2$" and ax.get_title()
    plt.close(fig)


def test_manifold_refuses_a_latent_space_that_is_not_2d():
    with pytest.raises(ValueError, match="2-D latent space; this model's is 16-D"):
        plot_latent_manifold(VAE(latent_dim=16, arch="mlp"))


def test_codes_scatter_colours_each_digit_and_labels_its_centre():
    codes = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [5.0, 5.0], [6.0, 4.0]])
    labels = torch.tensor([3, 3, 3, 7, 7])
    fig = plot_codes_2d(codes, labels, lim=8.0)
    ax = fig.axes[0]
    assert len(ax.collections) == 2  # one scatter per digit present
    colours = [to_hex(c.get_facecolor()[0], keep_alpha=False) for c in ax.collections]
    assert colours == [DIGIT_COLOURS[3].lower(), DIGIT_COLOURS[7].lower()]
    texts = {t.get_text(): t.get_position() for t in ax.texts}
    assert texts == {"3": (1.0, 1.0), "7": (5.5, 4.5)}
    assert ax.get_xlim() == (-8.0, 8.0) and ax.get_xlabel() == "$z_1$"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["3", "7"]
    plt.close(fig)


def test_digit_colours_are_ten_distinct_colours():
    assert len({c.lower() for c in DIGIT_COLOURS}) == 10


@pytest.mark.parametrize(
    "codes, labels, message",
    [(torch.zeros(4, 3), torch.zeros(4), "2-D codes"), (torch.zeros(4, 2), torch.tensor([0, 1, 2, 10]), "0..9"),
     (torch.zeros(4, 2), torch.zeros(3), "one digit label")],
)
def test_codes_scatter_refuses_bad_input(codes, labels, message):
    with pytest.raises(ValueError, match=message):
        plot_codes_2d(codes, labels)


def test_latent_usage_sorts_bars_and_counts_active_dimensions():
    fig = plot_latent_usage({"a": torch.tensor([1e-2, 0.5, 0.2]), "b": np.array([0.0, 1e-3, 2.0])}, threshold=0.1)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    # each group sorted, largest first; exact zeros drawn as a stub at threshold / 100 to stay on the log axis
    assert heights == pytest.approx([0.5, 0.2, 1e-2, 2.0, 1e-3, 1e-3])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["threshold 0.1", "a: 2 active", "b: 1 active"]
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "average KL to the prior (nats)"
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        plot_latent_usage({})
