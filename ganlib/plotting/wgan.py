r"""Figures of the Wasserstein GAN section (notebook 08), in the course style of :mod:`ganlib.plotting`.

* :func:`plot_point_masses`: :math:`\mathrm{JS}(\delta_0, \delta_\theta)` and :math:`W_1(\delta_0, \delta_\theta)`
  against :math:`\theta` (``ganlib.divergences``): one flat, one a V.
* :func:`plot_critic_tracking`: a critic's divergence estimate and the Fréchet distance of the samples over
  training, one panel per run (curves of ``ganlib.recipes.wgan.track_training``).

Each function returns the ``Figure``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from ganlib.divergences import js_point_masses, w1_point_masses
from ganlib.plotting import PALETTE
from ganlib.recipes.wgan import CURVES, tracking_correlation


def plot_point_masses(theta: torch.Tensor, marked: float = 1.0) -> Figure:
    r"""Left: the data :math:`\delta_0` and the model :math:`\delta_\theta` at ``theta = marked``. Right: JS and
    :math:`W_1` between them for every value of ``theta`` (a 1-D grid), with KL noted (:math:`+\infty`)."""
    theta = torch.as_tensor(theta, dtype=torch.float64)
    if theta.ndim != 1 or theta.numel() < 2:
        raise ValueError("theta must be a 1-D grid of at least 2 values, e.g. torch.linspace(-2, 2, 401).")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1, 1.4]})
    left.vlines([0.0], 0, 1, color=PALETTE[0], lw=3, label=r"data $\delta_0$")
    left.vlines([marked], 0, 1, color=PALETTE[1], lw=3, label=rf"model $\delta_\theta$, $\theta = {marked:g}$")
    left.annotate("", xy=(marked, 0.5), xytext=(0, 0.5), arrowprops={"arrowstyle": "->", "color": PALETTE[7]})
    left.text(marked / 2, 1.08, rf"move mass 1 by $|\theta| = {abs(marked):g}$", ha="center")
    left.set(xlim=(-1, abs(marked) + 1), ylim=(0, 1.3), xlabel="x", ylabel="probability mass", title="two point masses")
    left.legend(loc="center right", fontsize=9)
    nonzero = theta[theta != 0].numpy()
    right.plot(theta.numpy(), w1_point_masses(theta).numpy(), color=PALETTE[0], lw=2, label=r"$W_1 = |\theta|$")
    right.plot(nonzero, js_point_masses(torch.as_tensor(nonzero)).numpy(), color=PALETTE[3], lw=2, ls="--",
               label=r"JS $= \ln 2$ for $\theta \neq 0$")
    right.scatter([0.0], [0.0], color=PALETTE[3], zorder=3, label=r"JS $= 0$ at $\theta = 0$")
    right.axhline(math.log(2), color="grey", lw=0.8, ls=":")
    right.text(0.5, 0.95, r"KL$(\delta_0 \| \delta_\theta) = +\infty$ for every $\theta \neq 0$", transform=right.transAxes, va="top", ha="center")
    right.set(xlabel=r"$\theta$", ylabel="divergence (nats) / distance", title="JS is flat: no gradient; $W_1$ points home")
    right.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    return fig


def plot_critic_tracking(
    runs: Mapping[str, Mapping[str, Sequence[float]]],
    estimate_labels: Mapping[str, str],
    warmup: int = 0,
    title: str | None = None,
) -> Figure:
    """One panel per run: the divergence estimate (left axis, ``estimate_labels[name]`` names it) and the Fréchet
    distance of the samples (right axis, log scale) against the training step, titled with their rank
    correlation after ``warmup`` steps (shaded: while the critic is still far from its optimum, its estimate
    is a loose lower bound)."""
    if not runs or set(estimate_labels) != set(runs):
        raise ValueError("give at least one run, and one estimate label per run (the same names).")
    for name, curves in runs.items():
        missing = [key for key in CURVES if key not in curves]
        if missing:
            raise ValueError(f"run {name!r} lacks {missing}: pass the curves of ganlib.recipes.wgan.track_training.")
    fig, axes = plt.subplots(1, len(runs), figsize=(5.3 * len(runs), 3.9), squeeze=False)
    for ax, (name, curves) in zip(axes[0], runs.items()):
        ax.plot(curves["step"], curves["estimate"], color=PALETTE[0], lw=2, marker="o", ms=3)
        ax.set_xlabel("step")
        ax.set_ylabel(estimate_labels[name], color=PALETTE[0])
        right = ax.twinx()
        right.plot(curves["step"], curves["frechet"], color=PALETTE[1], lw=2, ls="--", marker="s", ms=3)
        right.set_yscale("log")
        right.set_ylabel("Fréchet distance of samples (log)", color=PALETTE[1])
        right.grid(False)
        right.spines["right"].set_visible(True)
        rho = tracking_correlation(curves, after=warmup)
        if warmup:
            ax.axvspan(0, warmup, color="grey", alpha=0.12, lw=0)
        ax.set_title(f"{name}\nrank correlation {rho:+.2f}" + (f" after step {warmup:,}" if warmup else ""), fontsize=11)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
