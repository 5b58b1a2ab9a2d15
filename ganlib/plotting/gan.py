r"""Figures of notebook 05 (GANs), in the course style of :mod:`ganlib.plotting`.

Each function returns the ``Figure``; those that draw one panel take an optional ``ax``.

:func:`plot_gan_history` draws the losses of D and G, and the discriminator's mean outputs
:math:`\bar D(x)` on real and :math:`\bar D(G(z))` on generated images, against the training step.
At the equilibrium of the game :math:`D^* = \tfrac12` everywhere, so :math:`D` loses
:math:`2 \ln 2 \approx 1.386` and :math:`G` loses :math:`\ln 2 \approx 0.693`; both are drawn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ganlib.data.toy import GaussianMixture
from ganlib.dynamics import optimal_discriminator
from ganlib.plotting import PALETTE, axes_or_new, to_numpy


def plot_gan_1d(
    grid: torch.Tensor,
    data_density: torch.Tensor,
    snapshots: Sequence[torch.Tensor],
    steps: Sequence[int | str],
    title: str = "A GAN learning a 1-D Gaussian",
) -> Figure:
    r"""The classic picture (Goodfellow et al., 2014, figure 1), once per snapshot.

    Each panel shows :math:`p_\text{data}`, the generator's density :math:`p_g`, the discriminator
    :math:`D(x)` and the optimal one for this generator, :math:`D^*(x) = p_\text{data} / (p_\text{data} + p_g)`.
    ``snapshots[i]`` is ``(2, len(grid))``: :math:`p_g` and :math:`D` on ``grid`` (``ganlib.dynamics.snapshot_1d``);
    ``steps[i]`` titles its panel (an int is shown as "step i").
    :math:`D^*` is drawn only where one of the densities is above 1% of the data's peak (elsewhere it is a
    ratio of two vanishing numbers), and a generator density taller than twice the data's peak is cut off.
    """
    if len(snapshots) != len(steps) or not snapshots:
        raise ValueError("give one training step per snapshot, and at least one snapshot.")
    x, p_data = to_numpy(grid), to_numpy(data_density)
    width = max(6.4, 3.2 * len(snapshots))
    fig, axes = plt.subplots(1, len(snapshots), figsize=(width, 3.4), sharey=True, squeeze=False)
    top = 2 * p_data.max()
    for ax, snap, step in zip(axes[0], snapshots, steps):
        p_g, d = to_numpy(snap[0]), to_numpy(snap[1])
        d_star = to_numpy(optimal_discriminator(torch.as_tensor(p_data), torch.as_tensor(p_g)))
        d_star = np.where(np.maximum(p_data, p_g) > 0.01 * p_data.max(), d_star, np.nan)
        ax.fill_between(x, p_data, color=PALETTE[7], alpha=0.12)
        ax.plot(x, p_data, color=PALETTE[7], lw=1.5, ls=":")
        ax.plot(x, p_g, color=PALETTE[2], lw=2)
        ax.set(ylim=(0, top), xlabel="x", title=f"step {step}" if isinstance(step, int) else step)
        right = ax.twinx()
        right.plot(x, d, color=PALETTE[0], lw=2, ls="--")
        right.plot(x, d_star, color=PALETTE[3], lw=1.5, alpha=0.8)
        right.axhline(0.5, color="grey", lw=0.8)
        right.set(ylim=(0, 1.05))
        right.grid(False)
        right.spines["right"].set_visible(True)
        if ax is not axes[0, -1]:
            right.set_yticklabels([])
    axes[0, 0].set_ylabel("density")
    right.set_ylabel("D(x)")
    handles = [
        Line2D([], [], color=PALETTE[7], ls=":", label="data density"),
        Line2D([], [], color=PALETTE[2], label="generator density"),
        Line2D([], [], color=PALETTE[0], ls="--", label="D(x)"),
        Line2D([], [], color=PALETTE[3], label="D*(x)"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=4, bbox_to_anchor=(0.5, -0.08), frameon=False)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_generator_gradients(
    d_fake: torch.Tensor, gradients: Mapping[str, torch.Tensor], mark: float | None = 0.01, ax: Axes | None = None
) -> Figure:
    """|∂ loss / ∂ logit| of each generator loss against D(G(z)), on log-log axes."""
    fig, ax = axes_or_new(ax)
    d = to_numpy(d_fake)
    for i, (name, grad) in enumerate(gradients.items()):
        ax.plot(d, np.abs(to_numpy(grad)), lw=2, color=PALETTE[i], label=name)
    if mark is not None:
        ax.axvline(mark, color="grey", lw=0.8, ls="--")
        ax.text(mark * 1.15, 2e-3, f"D(G(z)) = {mark:g}", color="grey", fontsize=10)
    ax.set(
        xscale="log", yscale="log", xlabel="D(G(z)), the discriminator's belief that a fake is real",
        ylabel="|∂ loss / ∂ logit|", title="How hard each generator loss pushes",
    )
    ax.legend()
    return fig


def plot_game(paths: Mapping[str, torch.Tensor], title: str = "Gradient play on min_x max_y xy") -> Figure:
    """Left: the paths in the (x, y) plane around the equilibrium. Right: their distance to it, per step."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.5, 4.4))
    for i, (name, path) in enumerate(paths.items()):
        p = to_numpy(path)
        left.plot(p[:, 0], p[:, 1], lw=1.2, color=PALETTE[i], label=name)
        left.plot(p[0, 0], p[0, 1], "o", color=PALETTE[i], ms=5)
        right.plot(np.linalg.norm(p, axis=1), lw=2, color=PALETTE[i], label=name)
    left.plot(0, 0, "*", color=PALETTE[7], ms=14, label="Nash equilibrium")
    left.set(xlabel="x (minimises xy)", ylabel="y (maximises xy)", aspect="equal", title="paths from (1, 1)")
    left.legend(fontsize=9, loc="upper left")
    right.set(yscale="log", xlabel="step", ylabel="distance to (0, 0)", title="distance to the equilibrium")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_mode_coverage(
    samples: torch.Tensor, mixture: GaussianMixture, n_std: float = 3.0, title: str | None = None, ax: Axes | None = None
) -> Figure:
    """Generated 2-D points over the mixture's modes.

    A point is *high quality* (dark) when it lies within ``n_std`` standard deviations of its nearest mode,
    otherwise it is drawn pale. A mode is *captured* (filled square) when it is the nearest mode of at least
    one high-quality point, and *missed* (red cross) otherwise.
    """
    points = torch.as_tensor(samples, dtype=torch.float32).cpu()
    distances, nearest = torch.cdist(points, mixture.means).min(dim=1)
    good = distances <= n_std * mixture.stds[nearest]
    captured = torch.zeros(mixture.n_modes, dtype=torch.bool)
    captured[nearest[good]] = True
    fig, ax = axes_or_new(ax, figsize=(4.8, 4.8))
    p, means = points.numpy(), mixture.means.numpy()
    ax.scatter(p[~good.numpy(), 0], p[~good.numpy(), 1], s=3, color=PALETTE[5], alpha=0.35, label="other samples")
    ax.scatter(p[good.numpy(), 0], p[good.numpy(), 1], s=3, color=PALETTE[0], alpha=0.7, label="high quality")
    hit = captured.numpy()
    ax.scatter(means[hit, 0], means[hit, 1], marker="s", s=30, facecolors="none", edgecolors=PALETTE[7], lw=1.2, label="mode captured")
    ax.scatter(means[~hit, 0], means[~hit, 1], marker="x", s=50, color=PALETTE[3], lw=2, label="mode missed")
    lim = float(np.abs(means).max()) * 1.35 + 0.2
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    ax.set_title(title or f"{int(hit.sum())}/{mixture.n_modes} modes, {good.float().mean().item():.0%} high quality")
    return fig


def plot_coverage_runs(
    runs: Mapping[str, Mapping[str, Sequence]], mixture: GaussianMixture, steps: Sequence[int], title: str | None = None
) -> Figure:
    """One row per run (a training history with 2-D ``snapshots``), one column per chosen snapshot step.

    Each panel is :func:`plot_mode_coverage` of that snapshot, titled with the run's name and the step.
    """
    fig, axes = plt.subplots(len(runs), len(steps), figsize=(3.3 * len(steps), 3.5 * len(runs)), squeeze=False)
    for row, (name, history) in zip(axes, runs.items()):
        for ax, step in zip(row, steps):
            if step not in history["snapshot_step"]:
                raise ValueError(f"run {name!r} has no snapshot at step {step}; it has {list(history['snapshot_step'])}.")
            points = history["snapshots"][list(history["snapshot_step"]).index(step)]
            plot_mode_coverage(points, mixture, ax=ax)
            ax.set_title(f"{name}, step {step}\n{ax.get_title()}", fontsize=11)
            ax.set(xlabel="", ylabel="")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_opinions(ax: Axes, history: Mapping[str, Sequence[Any]]) -> None:
    ax.plot(history["step"], history["d_real"], color=PALETTE[0], label="D(x), real")
    ax.plot(history["step"], history["d_fake"], color=PALETTE[3], label="D(G(z)), generated")
    ax.axhline(0.5, color="grey", ls="--", lw=1, label="equilibrium ½")
    ax.set(ylim=(0, 1), xlabel="step", ylabel="mean discriminator output")


def plot_gan_history(history: Mapping[str, Sequence[Any]], title: str = "GAN training") -> Figure:
    """Left: ``d_loss`` and ``g_loss``; right: ``d_real`` and ``d_fake``, from a history of ``gan_step``."""
    missing = [key for key in ("step", "d_loss", "g_loss", "d_real", "d_fake") if key not in history]
    if missing:
        raise ValueError(f"the history lacks {missing}: pass the history of a run trained with ganlib.gan.GAN.step.")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    left.plot(history["step"], history["d_loss"], color=PALETTE[0], label="D loss")
    left.plot(history["step"], history["g_loss"], color=PALETTE[1], label="G loss (non-saturating)")
    left.axhline(2 * math.log(2), color=PALETTE[0], ls=":", lw=1, label="D loss at equilibrium, 2 ln 2")
    left.axhline(math.log(2), color=PALETTE[1], ls=":", lw=1, label="G loss at equilibrium, ln 2")
    left.set(xlabel="step", ylabel="loss (nats)", title="losses")
    left.legend(fontsize=9)
    plot_opinions(right, history)
    right.set_title("what the discriminator thinks")
    right.legend(fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
