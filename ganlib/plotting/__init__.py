"""Figures for the course, in one consistent, colour-blind-safe style.

Every function draws on a Matplotlib ``Axes`` you pass (or a new figure) and returns the ``Figure``.
In a notebook, assign the result (``fig = image_grid(...)``) so that the figure shows once.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Okabe & Ito (2008): eight colours that stay distinct under the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "legend.fontsize": 10,
    "axes.prop_cycle": plt.cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "image.cmap": "viridis",
}


def use_style() -> None:
    """Apply the course style to every figure drawn afterwards."""
    plt.rcParams.update(STYLE)


def axes_or_new(ax: Axes | None, figsize: tuple[float, float] | None = None) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax


def to_numpy(x: torch.Tensor | np.ndarray) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def tile_images(images: torch.Tensor | np.ndarray, nrow: int = 10, padding: int = 2) -> np.ndarray:
    """Tile a batch of one-channel images ``(N, 1, H, W)`` or ``(N, H, W)`` into one array in [0, 1]: ``nrow``
    images per row, ``padding`` white pixels around each (torchvision's ``make_grid``, which also tiles the
    snapshot grids a training run writes).

    Images with negative values are taken to be in [-1, 1] (a tanh output) and mapped to [0, 1].
    """
    from torchvision.utils import make_grid

    batch = torch.from_numpy(to_numpy(images).astype(np.float32))
    if batch.ndim == 3:
        batch = batch[:, None]
    if batch.ndim != 4 or batch.shape[1] != 1:
        raise ValueError(f"expected images shaped (N, 1, H, W) or (N, H, W), got {tuple(batch.shape)}.")
    if batch.min() < 0:
        batch = (batch + 1) / 2
    grid = make_grid(batch.clamp(0, 1), nrow=nrow, padding=padding, pad_value=1)[0]  # its 3 channels are equal
    if len(batch) == 1:  # make_grid returns a lone image as it is: give it the border every image of a grid has
        grid = torch.nn.functional.pad(grid, (padding,) * 4, value=1)
    return grid.numpy()


def image_grid(
    images: torch.Tensor | np.ndarray, nrow: int = 10, title: str | None = None, ax: Axes | None = None
) -> Figure:
    """Show a batch of images in a grid (white ink on black, as MNIST is stored)."""
    canvas = tile_images(images, nrow)
    fig, ax = axes_or_new(ax, figsize=(0.45 * canvas.shape[1] / 30 + 1, 0.45 * canvas.shape[0] / 30 + 0.6))
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def plot_density_1d(
    samples: torch.Tensor | np.ndarray | None = None,
    densities: Mapping[str, Callable[[torch.Tensor], torch.Tensor]] | None = None,
    xlim: tuple[float, float] | None = None,
    bins: int = 60,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A histogram of 1-D ``samples`` (normalised to a density) with density curves laid over it.

    ``densities`` maps a legend label to a function from points to density values.
    """
    fig, ax = axes_or_new(ax)
    values = None if samples is None else to_numpy(samples).reshape(-1)
    if xlim is None:
        if values is None:
            raise ValueError("give xlim when there are no samples to take the range from.")
        pad = 0.1 * (values.max() - values.min())
        xlim = (float(values.min() - pad), float(values.max() + pad))
    if values is not None:
        ax.hist(values, bins=bins, range=xlim, density=True, alpha=0.45, color=PALETTE[5], label="samples")
    grid = torch.linspace(xlim[0], xlim[1], 500)
    for i, (label, density) in enumerate((densities or {}).items()):
        ax.plot(grid.numpy(), to_numpy(density(grid)).reshape(-1), color=PALETTE[i % len(PALETTE)], lw=2, label=label)
    ax.set(xlim=xlim, xlabel="x", ylabel="density")
    if title:
        ax.set_title(title)
    if values is not None or densities:
        ax.legend()
    return fig


def plot_samples_2d(
    samples: torch.Tensor | np.ndarray,
    log_prob: Callable[[torch.Tensor], torch.Tensor] | None = None,
    lim: float | None = None,
    title: str | None = None,
    label: str = "samples",
    ax: Axes | None = None,
) -> Figure:
    """A scatter plot of 2-D samples, over the contours of a density when ``log_prob`` is given."""
    points = to_numpy(samples)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"expected 2-D points shaped (n, 2), got {points.shape}.")
    fig, ax = axes_or_new(ax, figsize=(4.8, 4.8))
    if lim is None:
        lim = float(np.abs(points).max()) * 1.1 + 1e-6
    if log_prob is not None:
        ticks = torch.linspace(-lim, lim, 300)
        xs, ys = torch.meshgrid(ticks, ticks, indexing="xy")
        density = log_prob(torch.stack([xs.flatten(), ys.flatten()], dim=1)).exp().reshape(xs.shape)
        ax.contourf(xs.numpy(), ys.numpy(), to_numpy(density), levels=12, cmap="Greys", alpha=0.6)
    ax.scatter(points[:, 0], points[:, 1], s=4, alpha=0.6, color=PALETTE[0], label=label)
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    if title:
        ax.set_title(title)
    return fig


def plot_history(
    history: Mapping[str, Sequence[float]],
    keys: Sequence[str] | None = None,
    title: str = "Training history",
    xlabel: str = "step",
    ax: Axes | None = None,
) -> Figure:
    """Curves of the logged quantities of a training run (a dict of lists, as the training loop returns)."""
    fig, ax = axes_or_new(ax)
    for key in keys or list(history):
        ax.plot(history[key], label=key, lw=1.5)
    ax.set(xlabel=xlabel, ylabel="value", title=title)
    ax.legend()
    return fig


def figure_to_png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes and close it (so that a notebook does not also show it)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
