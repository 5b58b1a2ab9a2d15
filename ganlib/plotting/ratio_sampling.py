"""Figures of notebooks 05 and 06 for generators corrected by a density ratio (:mod:`ganlib.ratio_sampling`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ganlib.data.toy import GaussianMixture
from ganlib.metrics.calibration import reliability
from ganlib.plotting import PALETTE, axes_or_new


def plot_ratio_map(
    points: torch.Tensor, log_ratio: torch.Tensor, mixture: GaussianMixture, limits: tuple[float, float] = (-3.0, 3.0),
    title: str | None = None, ax: Axes | None = None,
) -> Figure:
    r"""Generated 2-D points coloured by their estimated :math:`\log r` (clipped to ``limits``; dark: the
    samplers drop them), over the mixture's modes."""
    fig, ax = axes_or_new(ax, figsize=(5.6, 4.8))
    p, v = torch.as_tensor(points).float().cpu().numpy(), torch.as_tensor(log_ratio).float().cpu().numpy()
    order = np.argsort(v)  # the largest ratios on top
    low, high = limits
    shown = ax.scatter(p[order, 0], p[order, 1], c=v[order], s=4, cmap="cividis", vmin=low, vmax=high)
    fig.colorbar(shown, ax=ax, label=rf"estimated $\log r$ (clipped to [{low:g}, {high:g}])")
    means = mixture.means.numpy()
    ax.scatter(means[:, 0], means[:, 1], marker="s", s=30, facecolors="none", edgecolors=PALETTE[3], lw=1.2, label="modes")
    lim = float(np.abs(means).max()) * 1.35 + 0.2
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    ax.legend(loc="upper right")
    ax.set_title(title or "The estimated density ratio at the generator's samples")
    return fig


def plot_price(
    curves: Mapping[str, Sequence[tuple[float, float, str]]],
    *,
    baseline: float,
    ylabel: str,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A measure of the samples against the generator calls paid per sample (log scale), one line per sampler.

    Each curve is a list of ``(calls per sample, value, label)``; ``baseline`` (plain sampling, one call per
    sample) is a dashed line.
    """
    fig, ax = axes_or_new(ax, figsize=(7.0, 4.2))
    ax.axhline(baseline, color=PALETTE[7], ls="--", lw=1, label="plain sampling")
    for (name, points), color, marker in zip(curves.items(), PALETTE, "osD^"):
        calls, values, labels = zip(*points)
        ax.plot(calls, values, marker=marker, color=color, label=name)
        for x, y, text in zip(calls, values, labels):
            ax.annotate(text, (x, y), textcoords="offset points", xytext=(4, 5), fontsize=9, color=color)
    ax.set_xscale("log")
    ax.margins(x=0.12, y=0.08)  # room for the labels of the end points
    ax.set(xlabel="generator calls per sample", ylabel=ylabel)
    ax.legend(loc="lower left")
    ax.set_title(title or "What the correction costs")
    return fig


def plot_reliability(
    curves: Mapping[str, tuple[torch.Tensor, torch.Tensor]], bins: int = 10, title: str | None = None, ax: Axes | None = None
) -> Figure:
    """Reliability diagram: for each ``name: (real_probs, fake_probs)``, the observed share of real samples
    against the predicted probability of "real", per bin. A calibrated classifier lies on the diagonal."""
    fig, ax = axes_or_new(ax, figsize=(5.2, 4.8))
    ax.plot([0, 1], [0, 1], color=PALETTE[7], ls="--", lw=1, label="calibrated")
    for (name, (real, fake)), color, marker in zip(curves.items(), PALETTE, "os^D"):
        predicted, observed, _ = reliability(real, fake, bins)
        ax.plot(predicted.numpy(), observed.numpy(), marker=marker, color=color, label=name)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel='predicted probability of "real"', ylabel="observed share of real samples",
           aspect="equal")
    ax.legend(loc="upper left")
    ax.set_title(title or "Reliability on held-out samples")
    return fig
