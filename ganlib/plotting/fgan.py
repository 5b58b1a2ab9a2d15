r"""Figures of the f-divergence section (notebook 08), in the course style of :mod:`ganlib.plotting`.

* :func:`plot_learned_critics`: what trained critics learned, :math:`T = g(V(x))`, against the best critic
  :math:`T^*(x) = f'(p(x)/q(x))`, one panel per f-divergence.
* :func:`plot_fitted_densities_1d`: histograms of 1-D samples of several generators over the data density.

Each function returns the ``Figure``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import nn

from ganlib.fgan import FDivergence
from ganlib.plotting import PALETTE


def plot_learned_critics(
    critics: Mapping[str, tuple[nn.Module, FDivergence]], log_ratio: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor, title: str = "",
) -> Figure:
    r"""One panel per entry ``name: (critic, divergence)``: the trained critic's :math:`T = g(V(x))` and the best
    :math:`T^*(x) = f'(e^{\log r(x)})` on the 1-D points ``x``, with ``log_ratio(x)`` :math:`= \log p(x)/q(x)`."""
    x = torch.as_tensor(x, dtype=torch.float32)
    if x.ndim != 1 or x.numel() < 2:
        raise ValueError("x must be a 1-D grid of at least 2 points, e.g. torch.linspace(-3, 4, 200).")
    fig, axes = plt.subplots(1, len(critics), figsize=(4.4 * len(critics), 3.6), squeeze=False)
    for ax, (name, (critic, divergence)) in zip(axes[0], critics.items()):
        with torch.no_grad():
            learned = divergence.activation(critic(x[:, None]).reshape(-1))
            best = divergence.optimal_critic(torch.exp(log_ratio(x)))
        ax.plot(x.numpy(), best.numpy(), color=PALETTE[7], lw=2, ls="--", label=r"best $T^* = f'(p/q)$")
        ax.plot(x.numpy(), learned.numpy(), color=PALETTE[0], lw=2, label=r"trained $T = g(V(x))$")
        ax.set(title=name, xlabel="x", ylabel="T(x)")
        ax.legend(fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_fitted_densities_1d(
    samples: Mapping[str, torch.Tensor], density: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, title: str = "",
) -> Figure:
    """One panel per entry ``name: samples`` (1-D): a histogram of the samples over ``density(x)``, the data's."""
    x = torch.as_tensor(x, dtype=torch.float32)
    fig, axes = plt.subplots(1, len(samples), figsize=(5.2 * len(samples), 3.6), squeeze=False, sharey=True)
    for ax, (colour, (name, points)) in zip(axes[0], enumerate(samples.items())):
        ax.hist(points.detach().reshape(-1).numpy(), bins=80, range=(x.min().item(), x.max().item()), density=True,
                color=PALETTE[1 + colour], alpha=0.7, label="generator's samples")
        ax.plot(x.numpy(), density(x).numpy(), color=PALETTE[7], lw=2, label="data density")
        ax.set(title=name, xlabel="x", ylabel="density")
        ax.legend(fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
