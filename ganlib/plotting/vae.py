r"""Figures of a latent space: what a decoder draws across it, and where an encoder puts the data.

* :func:`plot_latent_manifold`: decode a regular grid of 2-D codes and tile the images at their codes;
* :func:`plot_codes_2d`: a scatter of 2-D codes, one colour per digit, each digit's label at its centre;
* :func:`plot_latent_usage`: how much each latent dimension is used (e.g. its average KL to the prior),
  model by model, against a threshold under which it counts as collapsed.

Like :mod:`ganlib.plotting`, each draws on an ``Axes`` you pass (or a new figure) and returns the ``Figure``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ganlib.models.generator import Generator
from ganlib.plotting import PALETTE, axes_or_new, tile_images, to_numpy

# Ten digits need ten colours: Okabe & Ito's eight plus two more that stay apart from them.
DIGIT_COLOURS = [*PALETTE, "#999999", "#882255"]


@torch.no_grad()
def plot_latent_manifold(
    model: Generator, lim: float = 3.0, steps: int = 15, title: str | None = None, ax: Axes | None = None
) -> Figure:
    """Decode the codes of a ``steps × steps`` grid over ``[-lim, lim]²`` and show each image at its code.

    The axes are the two latent coordinates, so the figure lines up with :func:`plot_codes_2d` drawn
    with the same ``lim``. Needs a model with a 2-D latent space.
    """
    if model.latent_dim != 2:
        raise ValueError(f"the manifold grid needs a 2-D latent space; this model's is {model.latent_dim}-D.")
    ticks = torch.linspace(-lim, lim, steps)
    z2, z1 = torch.meshgrid(ticks.flip(0), ticks, indexing="ij")  # top row: largest z2, as on a plot
    codes = torch.stack([z1.flatten(), z2.flatten()], dim=1)
    device = next(model.parameters()).device
    images = model.decode(codes.to(device)).cpu()
    fig, ax = axes_or_new(ax, figsize=(6.0, 6.0))
    half_cell = lim / (steps - 1)
    extent = (-lim - half_cell, lim + half_cell, -lim - half_cell, lim + half_cell)
    ax.imshow(tile_images(images, nrow=steps, padding=0), cmap="gray", vmin=0, vmax=1, extent=extent)
    ax.set(xlabel="$z_1$", ylabel="$z_2$", title=title or "Decoded images across the latent plane")
    ax.grid(False)
    return fig


def plot_codes_2d(
    codes: torch.Tensor | np.ndarray,
    labels: torch.Tensor | np.ndarray,
    lim: float | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Scatter 2-D ``codes`` coloured by their digit ``labels`` (0–9), each digit written at its median code.

    Points outside ``[-lim, lim]²`` (default: the range of the codes) are clipped from view.
    """
    points, digits = to_numpy(codes), to_numpy(labels).astype(int).reshape(-1)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"expected 2-D codes shaped (n, 2), got {points.shape}.")
    if digits.shape[0] != points.shape[0] or digits.min() < 0 or digits.max() > 9:
        raise ValueError(f"give one digit label in 0..9 per code: {points.shape[0]} codes, {digits.shape[0]} labels.")
    fig, ax = axes_or_new(ax, figsize=(6.0, 6.0))
    if lim is None:
        lim = float(np.abs(points).max()) * 1.05 + 1e-6
    for digit in range(10):
        here = points[digits == digit]
        if len(here) == 0:
            continue
        colour = DIGIT_COLOURS[digit]
        ax.scatter(here[:, 0], here[:, 1], s=6, alpha=0.6, color=colour, label=str(digit))
        cx, cy = np.median(here, axis=0)
        ax.text(cx, cy, str(digit), fontsize=15, weight="bold", ha="center", va="center", color=colour,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.8, "edgecolor": colour})
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xlabel="$z_1$", ylabel="$z_2$", aspect="equal")
    ax.set_title(title or "Codes of the data, coloured by digit")
    ax.legend(title="digit", loc="center left", bbox_to_anchor=(1.0, 0.5), markerscale=3, frameon=False)
    return fig


def plot_latent_usage(
    usage: Mapping[str, torch.Tensor | np.ndarray],
    threshold: float = 0.1,
    ylabel: str = "average KL to the prior (nats)",
    title: str = "How much each latent dimension is used",
    ax: Axes | None = None,
) -> Figure:
    r"""Bars of a per-dimension usage measure, sorted from most to least used, one group of bars per model.

    ``usage`` maps a label (e.g. ``"β = 4"``) to one value per latent dimension, by default the average
    over the data of :math:`\mathrm{KL}(q(z_j \mid x) \,\|\, \mathcal N(0, 1))`, the nats the code spends on
    dimension ``j``. Dimensions under ``threshold`` (dashed line) count as collapsed onto the prior; the
    legend gives each model's number of active dimensions. The y-axis is logarithmic.
    """
    if not usage:
        raise ValueError("give at least one model's per-dimension values.")
    fig, ax = axes_or_new(ax, figsize=(7.5, 4.0))
    groups = len(usage)
    width = 0.8 / groups
    floor = threshold / 100  # so that unused dimensions (exactly 0) still show a stub on the log scale
    for i, (label, values) in enumerate(usage.items()):
        ordered = np.sort(to_numpy(values).reshape(-1))[::-1]
        active = int((ordered > threshold).sum())
        x = np.arange(len(ordered)) + (i - (groups - 1) / 2) * width
        ax.bar(x, np.maximum(ordered, floor), width=width, color=PALETTE[i % len(PALETTE)], label=f"{label}: {active} active")
    ax.axhline(threshold, color="black", ls="--", lw=1, label=f"threshold {threshold:g}")
    ranks = np.arange(max(len(to_numpy(v).reshape(-1)) for v in usage.values()))
    ax.set_xticks(ranks, [str(r + 1) for r in ranks])
    ax.set(yscale="log", xlabel="latent dimensions, from most to least used", ylabel=ylabel, title=title)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return fig
