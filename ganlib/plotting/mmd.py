"""Figures of notebook 04: mean embeddings, the estimators' spread, the test's null distribution and power,
and 2-D samples of a GMMN over training. Same style and conventions as :mod:`ganlib.plotting`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from ganlib.data.toy import GaussianMixture
from ganlib.metrics.two_sample import MMDTestResult, bandwidth_summary
from ganlib.mmd import gaussian_kernel, mmd_witness
from ganlib.plotting import PALETTE, plot_samples_2d


def plot_mean_embeddings(
    x: torch.Tensor, y: torch.Tensor, bandwidth: float, labels: tuple[str, str] = ("p", "q")
) -> Figure:
    r"""Two 1-D samples as rugs, their empirical mean embeddings :math:`\hat\mu(t) = \frac1n \sum_i k(x_i, t)`
    (top) and the witness :math:`\hat\mu_p - \hat\mu_q` (bottom), for a Gaussian kernel of ``bandwidth``."""
    x, y = torch.as_tensor(x).reshape(-1, 1).float(), torch.as_tensor(y).reshape(-1, 1).float()
    low, high = float(torch.cat([x, y]).min()) - 1, float(torch.cat([x, y]).max()) + 1
    t = torch.linspace(low, high, 600)[:, None]
    mu_p, mu_q = gaussian_kernel(t, x, bandwidth).mean(1), gaussian_kernel(t, y, bandwidth).mean(1)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.2, 5.6), sharex=True)
    for values, points, colour, label, level in ((mu_p, x, PALETTE[0], labels[0], -0.03), (mu_q, y, PALETTE[1], labels[1], -0.07)):
        top.plot(t.ravel().numpy(), values.numpy(), color=colour, lw=2, label=rf"$\hat\mu_{{{label}}}(t)$")
        top.plot(points.ravel().numpy(), np.full(len(points), level), "|", color=colour, ms=8, alpha=0.5)
    top.set(ylabel="mean embedding", title=f"Mean embeddings of two samples, Gaussian kernel h = {bandwidth:g}")
    top.legend(loc="upper right")
    witness = (mu_p - mu_q).numpy()
    bottom.axhline(0, color="black", lw=0.8)
    bottom.plot(t.ravel().numpy(), witness, color=PALETTE[2], lw=2)
    bottom.fill_between(t.ravel().numpy(), witness, color=PALETTE[2], alpha=0.2)
    bottom.set(xlabel="t", ylabel=rf"witness $\hat\mu_{{{labels[0]}}} - \hat\mu_{{{labels[1]}}}$", xlim=(low, high))
    fig.tight_layout()
    return fig


def plot_estimator_spread(estimates: Mapping[int, Mapping[str, Sequence[float]]], title: str) -> Figure:
    """Left: histograms of both estimators at the smallest sample size; right: their averages against n.

    ``estimates[n]["biased"]`` and ``estimates[n]["unbiased"]`` hold the estimates over repetitions at size n.
    """
    sizes = sorted(estimates)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
    smallest = estimates[sizes[0]]
    values = np.concatenate([np.asarray(v) for v in smallest.values()])
    bins = np.linspace(values.min(), values.max(), 40)
    for colour, name in zip(PALETTE, ("unbiased", "biased")):
        left.hist(smallest[name], bins=bins, alpha=0.5, color=colour, label=f"{name} ({len(smallest[name])} repetitions)")
    left.axvline(0, color="black", lw=1, ls="--", label="true MMD² = 0")
    left.set(xlabel="estimate of MMD²", ylabel="count", title=f"n = {sizes[0]} points per sample")
    left.legend()
    for colour, marker, name in zip(PALETTE, "os", ("unbiased", "biased")):
        means = [float(np.mean(estimates[n][name])) for n in sizes]
        right.plot(sizes, means, marker=marker, color=colour, lw=2, label=f"{name}: mean over repetitions")
    right.axhline(0, color="black", lw=1, ls="--")
    right.set(xscale="log", xlabel="points per sample n", ylabel="average estimate", title=title)
    right.legend()
    fig.tight_layout()
    return fig


def plot_null_distribution(result: MMDTestResult, title: str, alpha: float = 0.05) -> Figure:
    """Histogram of the permuted statistics (the null distribution), its 1 - alpha quantile and the observed value."""
    fig, ax = plt.subplots(figsize=(7.2, 4.0))
    permuted = result.permuted.numpy()
    ax.hist(permuted, bins=40, color=PALETTE[5], alpha=0.7, label=f"{len(permuted)} shuffled splits")
    ax.axvline(float(np.quantile(permuted, 1 - alpha)), color=PALETTE[1], lw=2, ls="--", label=f"{1 - alpha:.0%} quantile")
    ax.axvline(result.statistic, color=PALETTE[3], lw=2.5, label=f"real split: MMD²ᵤ = {result.statistic:.4f}")
    ax.set(xlabel="unbiased MMD²", ylabel="count", title=f"{title} (p-value = {result.p_value:.3f})")
    ax.legend()
    return fig


def plot_power(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    xlabel: str,
    title: str,
    alpha: float | None = 0.05,
    xscale: str = "linear",
    marks: Mapping[str, float] | None = None,
    ax: plt.Axes | None = None,
) -> Figure:
    """Rejection rates against a parameter, one line per entry of ``curves`` (label → (xs, rates)).

    ``alpha`` draws the level as a dotted line; ``marks`` draws labelled vertical lines (e.g. the median heuristic).
    """
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(7.2, 4.2))
    for (label, (xs, rates)), colour in zip(curves.items(), PALETTE):
        ax.plot(xs, rates, marker="o", lw=2, color=colour, label=label)
    if alpha is not None:
        ax.axhline(alpha, color="black", lw=1, ls=":", label=f"α = {alpha:g}")
    for (label, value), colour in zip((marks or {}).items(), PALETTE[3:]):
        ax.axvline(value, color=colour, lw=1.5, ls="--", label=label)
    ax.set(xscale=xscale, xlabel=xlabel, ylabel="rejection rate", ylim=(-0.03, 1.03), title=title)
    ax.legend()
    return fig


def plot_snapshots_2d(history: Mapping[str, Sequence[Any]], mixture: GaussianMixture, columns: int = 4, lim: float = 1.5) -> Figure:
    """The 2-D samples stored in ``history["snapshots"]`` (from :func:`ganlib.train.train`), one panel per
    snapshot over the target's density, each titled with its step."""
    snapshots, steps = history["snapshots"], history["snapshot_step"]
    rows = -(-len(snapshots) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 3.3 * rows), squeeze=False)
    for ax, points, step in zip(axes.flat, snapshots, steps):
        plot_samples_2d(points, mixture.log_prob, lim=lim, title=f"step {step}", ax=ax)
        ax.set(xticks=[-1, 0, 1], yticks=[-1, 0, 1])
    for ax in axes.flat[len(snapshots):]:
        ax.set_axis_off()
    fig.tight_layout()
    return fig


def draw_bandwidth(
    x: torch.Tensor,
    y: torch.Tensor,
    bandwidth: float,
    labels: tuple[str, str] = ("p", "q"),
    n_permutations: int = 200,
    axes: tuple[plt.Axes, plt.Axes] | None = None,
) -> Figure:
    """Histograms of the 1-D samples ``x`` and ``y`` (top) and the witness function for ``bandwidth`` (bottom)."""
    x, y = torch.as_tensor(x).reshape(-1, 1).float(), torch.as_tensor(y).reshape(-1, 1).float()
    low, high = float(torch.cat([x, y]).min()) - 1, float(torch.cat([x, y]).max()) + 1
    t = torch.linspace(low, high, 500)[:, None]
    witness = mmd_witness(t, x, y, bandwidth)
    statistic, p_value = bandwidth_summary(x, y, bandwidth, n_permutations)
    if axes is None:
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.2, 5.6), sharex=True, height_ratios=(1, 1))
    else:
        top, bottom = axes
        fig = top.figure
    bins = torch.linspace(low, high, 50).numpy()
    top.hist(x.numpy().ravel(), bins=bins, density=True, alpha=0.5, color=PALETTE[0], label=f"sample of {labels[0]} (x)")
    top.hist(y.numpy().ravel(), bins=bins, density=True, alpha=0.5, color=PALETTE[1], label=f"sample of {labels[1]} (y)")
    top.set(ylabel="density", title=f"h = {bandwidth:.3g}:  MMD²ᵤ = {statistic:.4f},  p-value = {p_value:.3f}")
    top.legend(loc="upper right")
    bottom.axhline(0, color="black", lw=0.8)
    bottom.plot(t.numpy().ravel(), witness.numpy(), color=PALETTE[2], lw=2)
    bottom.fill_between(t.numpy().ravel(), witness.numpy(), color=PALETTE[2], alpha=0.2)
    bottom.set(xlabel="t", ylabel="witness f(t)", xlim=(low, high))
    if axes is None:
        fig.tight_layout()
    return fig
