r"""Figures of notebook 01: inverse transform, rejection sampling, Metropolis–Hastings chains, and push-forwards
of noise through a function. Each returns the ``Figure``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from ganlib.plotting import PALETTE, plot_density_1d
from ganlib.sampling import Function, autocorrelation

GREY = "#999999"


def _np(values: torch.Tensor) -> np.ndarray:
    """Tensor (or anything array-like) to a float64 NumPy array, which is what Matplotlib expects."""
    return torch.as_tensor(values).detach().double().cpu().numpy()


def plot_inverse_transform(
    cdf: Function,
    inverse_cdf: Function,
    density: Function,
    samples: torch.Tensor,
    xlim: tuple[float, float],
    u_marks: Sequence[float] = (0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95),
    title: str = "Inverse transform sampling",
) -> Figure:
    r"""Left: the CDF, with evenly spaced heights :math:`u` carried across to the curve and down to
    :math:`x = F^{-1}(u)`; the points bunch up where :math:`F` is steep, i.e. where the density is high.
    Right: a histogram of ``samples`` against ``density``.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.2))
    grid = torch.linspace(xlim[0], xlim[1], 400, dtype=torch.float64)
    left.plot(_np(grid), _np(cdf(grid)), color=PALETTE[0], lw=2.5, label="$F(x)$")
    u = torch.tensor(u_marks, dtype=torch.float64)
    x = _np(inverse_cdf(u))
    for ui, xi in zip(u.tolist(), x.tolist()):
        left.annotate("", xy=(xi, ui), xytext=(xlim[0], ui),
                      arrowprops=dict(arrowstyle="-|>", color=PALETTE[1], lw=1.3, shrinkA=0, shrinkB=0))
        left.annotate("", xy=(xi, 0), xytext=(xi, ui),
                      arrowprops=dict(arrowstyle="-|>", color=PALETTE[3], lw=1.3, shrinkA=0, shrinkB=0))
    left.plot(np.full(len(u), xlim[0]), _np(u), "o", color=PALETTE[1], clip_on=False, label="$u \\sim U(0, 1)$")
    left.plot(x, np.zeros(len(x)), "o", color=PALETTE[3], clip_on=False, label="$x = F^{-1}(u)$")
    left.set(xlim=xlim, ylim=(0, 1.02), xlabel="x", ylabel="$F(x) = P(X \\leq x)$", title="Read the CDF backwards")
    left.legend(loc="lower right")
    plot_density_1d(samples, {"target density": density}, xlim=xlim, title=f"{len(samples):,} samples", ax=right)
    fig.suptitle(title, fontsize=14)
    fig.tight_layout()
    return fig


def plot_discrete(
    probs: torch.Tensor, samples: torch.Tensor, labels: Sequence[str] | None = None, title: str = "A discrete distribution"
) -> Figure:
    r"""Left: :math:`[0, 1)` cut into consecutive pieces of length :math:`p_k`; a uniform :math:`u` picks
    the piece it lands in. Right: the probabilities next to the frequencies observed in ``samples``.
    """
    probs = torch.as_tensor(probs, dtype=torch.float64)
    k = len(probs)
    labels = list(labels) if labels is not None else [str(i) for i in range(k)]
    counts = torch.bincount(torch.as_tensor(samples).long(), minlength=k).double()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 3.6), gridspec_kw={"width_ratios": [1.3, 1]})
    edges = torch.cat([torch.zeros(1, dtype=torch.float64), torch.cumsum(probs, 0)])
    for i in range(k):
        left.barh(0, float(probs[i]), left=float(edges[i]), height=0.5, color=PALETTE[i % len(PALETTE)], edgecolor="white", lw=2)
        left.text(float(edges[i] + edges[i + 1]) / 2, 0, labels[i], ha="center", va="center", fontsize=12, weight="bold")
    left.set(xlim=(0, 1), ylim=(-0.5, 0.5), yticks=[], xlabel="u", title="a uniform $u$ lands in piece $k$ with probability $p_k$")
    left.set_xticks(edges.tolist(), [f"{e:.2f}" for e in edges.tolist()])
    left.grid(False)
    positions = np.arange(k)
    right.bar(positions - 0.2, _np(probs), width=0.4, color=PALETTE[0], label="probability $p_k$")
    right.bar(positions + 0.2, _np(counts / counts.sum()), width=0.4, color=PALETTE[5], label=f"frequency in {len(samples):,} draws")
    right.set_xticks(positions, labels)
    right.set(xlabel="outcome k", ylabel="probability", title=title)
    right.legend()
    fig.tight_layout()
    return fig


def plot_rejection(
    target_pdf: Function,
    proposal_pdf: Function,
    M: float,
    x: torch.Tensor,
    u: torch.Tensor,
    xlim: tuple[float, float],
    title: str | None = None,
) -> Figure:
    r"""Rejection sampling drawn: each proposal :math:`x_i \sim q` gets a height :math:`u_i M q(x_i)`,
    uniform under the envelope, and is kept when that height is below :math:`p(x_i)`.

    Left: the points, kept or rejected, under the curves :math:`p` and :math:`M q` (shaded red where
    :math:`M q < p`, i.e. where ``M`` is too small). Right: a histogram of the kept points against :math:`p`.
    """
    height = u * M * proposal_pdf(x).double()
    kept = height < target_pdf(x).double()
    grid = torch.linspace(xlim[0], xlim[1], 500, dtype=torch.float64)
    p, envelope = _np(target_pdf(grid)), M * _np(proposal_pdf(grid))
    x, height, kept, grid = _np(x), _np(height), kept.numpy(), _np(grid)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.2))
    left.scatter(x[~kept], height[~kept], s=5, color=GREY, alpha=0.5, label="rejected")
    left.scatter(x[kept], height[kept], s=5, color=PALETTE[2], alpha=0.6, label="kept")
    left.plot(grid, envelope, color=PALETTE[1], lw=2.5, ls="--", label="envelope $M\\,q(x)$")
    left.plot(grid, p, color=PALETTE[0], lw=2.5, label="target $p(x)$")
    if (envelope < p).any():
        left.fill_between(grid, envelope, p, where=envelope < p, color=PALETTE[3], alpha=0.6, label="$M\\,q < p$: lost mass")
    left.set(xlim=xlim, ylim=(0, 1.08 * float(np.maximum(p, envelope).max())), xlabel="x", ylabel="height $u \\cdot M q(x)$",
             title=f"M = {M:.2f}: kept {int(kept.sum()):,} of {len(x):,} = {kept.mean():.3f}  (1/M = {1 / M:.3f})")
    left.legend(loc="upper right", fontsize=9, markerscale=3)
    plot_density_1d(x[kept], {"target p(x)": target_pdf}, xlim=xlim, bins=50, title="the kept points", ax=right)
    if title:
        fig.suptitle(title, fontsize=14)
    fig.tight_layout()
    return fig


def plot_chain(
    chain: torch.Tensor,
    density: Function,
    burn_in: int = 0,
    max_lag: int = 100,
    xlim: tuple[float, float] = (-5.0, 5.0),
    title: str | None = None,
) -> Figure:
    r"""Three views of a 1-D chain: its trace over time (burn-in shaded), a histogram of the states after
    burn-in against the target ``density``, and the autocorrelation :math:`\rho_k` against the lag :math:`k`.
    """
    chain = torch.as_tensor(chain, dtype=torch.float64)
    kept = chain[burn_in:]
    fig, (trace, hist, acf) = plt.subplots(1, 3, figsize=(13, 3.8), gridspec_kw={"width_ratios": [1.6, 1, 1]})
    trace.plot(_np(chain), color=PALETTE[0], lw=0.7)
    if burn_in:
        trace.axvspan(0, burn_in, color=GREY, alpha=0.3, label=f"burn-in ({burn_in} steps)")
        trace.legend(loc="upper right")
    trace.set(xlabel="step t", ylabel="state $x_t$", title="trace", xlim=(0, len(chain)))
    plot_density_1d(kept, {"target": density}, xlim=xlim, bins=50, title="states after burn-in", ax=hist)
    rho = autocorrelation(kept, min(max_lag, len(kept) - 1))
    acf.bar(np.arange(len(rho)), _np(rho), width=1.0, color=PALETTE[2])
    acf.axhline(0, color="black", lw=0.8)
    acf.set(xlabel="lag k", ylabel="autocorrelation $\\rho_k$", title="autocorrelation", ylim=(-0.25, 1.05))
    if title:
        fig.suptitle(title, fontsize=14)
    fig.tight_layout()
    return fig


def plot_transform_1d(
    transform: Function,
    z: torch.Tensor,
    noise_density: Function,
    target_density: Function,
    xlim: tuple[float, float] = (-5.0, 5.0),
    title: str = "A transform of Gaussian noise",
) -> Figure:
    """Three panels: the noise ``z``, the function ``x = transform(z)``, and the transformed samples."""
    fig, (noise, curve, out) = plt.subplots(1, 3, figsize=(13, 3.8))
    plot_density_1d(z, {"N(0, 1)": noise_density}, xlim=(-4, 4), bins=50, title="noise z", ax=noise)
    noise.set_xlabel("z")
    grid = torch.linspace(-4, 4, 400, dtype=torch.float64)
    curve.plot(_np(grid), _np(transform(grid)), color=PALETTE[0], lw=2.5)
    curve.set(xlabel="z", ylabel="x = G(z)", title="the transform G", xlim=(-4, 4), ylim=xlim)
    plot_density_1d(transform(z), {"target": target_density}, xlim=xlim, bins=50, title="samples x = G(z)", ax=out)
    fig.suptitle(title, fontsize=14)
    fig.tight_layout()
    return fig


def plot_pushforward_2d(z: torch.Tensor, outputs: Mapping[str, torch.Tensor], lim: float = 3.5) -> Figure:
    r"""2-D noise ``z`` and its images under several transforms, each point coloured by its :math:`z_1`,
    so that one can follow where each part of the noise goes.
    """
    panels = {"noise z ~ N(0, I)": z, **outputs}
    fig, axes = plt.subplots(1, len(panels), figsize=(4.3 * len(panels), 4.4))
    colour = _np(z[:, 0])
    for i, (ax, (name, points)) in enumerate(zip(np.atleast_1d(axes), panels.items())):
        points = _np(points)
        ax.scatter(points[:, 0], points[:, 1], c=colour, cmap="viridis", s=5, vmin=-2.5, vmax=2.5)
        span = lim if i == 0 else 1.1 * float(np.abs(points).max())
        ax.set(xlim=(-span, span), ylim=(-span, span), aspect="equal", title=name)
        ax.set(xlabel="$x_1$" if i else "$z_1$", ylabel="$x_2$" if i else "$z_2$")
    fig.tight_layout()
    return fig
