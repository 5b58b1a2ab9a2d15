r"""Figures and interactive panels of notebook 01, *Sampling*.

Static figures (each returns a Matplotlib ``Figure``):

* :func:`plot_inverse_transform`: uniform heights :math:`u` sent through :math:`F^{-1}`, and the result;
* :func:`plot_discrete`: the unit interval cut into pieces of length :math:`p_k`, and the frequencies;
* :func:`plot_rejection`: proposals under the envelope :math:`M q`, kept when they fall under :math:`p`;
* :func:`plot_chain`: a Metropolis–Hastings chain's trace, histogram and autocorrelation;
* :func:`plot_transform_1d` and :func:`plot_pushforward_2d`: noise pushed through a function.

Panels (sliders that redraw one image in place, see :class:`ganlib.widgets.LivePanel`):

* :func:`rejection_panel`: move :math:`M` and watch the acceptance rate follow :math:`1/M`;
* :func:`metropolis_panel`: move the proposal's step size and watch the chain mix, or not.

Plus the two transforms of the last section: :func:`ring_transform` and :func:`random_generator`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from ganlib.plotting import PALETTE, plot_density_1d
from ganlib.sampling import autocorrelation, effective_sample_size, metropolis_hastings
from ganlib.widgets import LivePanel, live_figure, slider

Function = Callable[[torch.Tensor], torch.Tensor]
GREY = "#999999"


def _np(values: torch.Tensor) -> np.ndarray:
    """Tensor (or anything array-like) to a float64 NumPy array, which is what Matplotlib expects."""
    return torch.as_tensor(values).detach().double().cpu().numpy()


# ---------------------------------------------------------------------------------------------------
# Inverse transform
# ---------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------
# Rejection sampling
# ---------------------------------------------------------------------------------------------------


def smallest_envelope_constant(target_pdf: Function, proposal_pdf: Function, xlim: tuple[float, float]) -> float:
    r"""The smallest valid :math:`M = \max_x p(x) / q(x)`, searched on a fine grid of ``xlim``."""
    grid = torch.linspace(xlim[0], xlim[1], 20_001, dtype=torch.float64)
    return float((target_pdf(grid).double() / proposal_pdf(grid).double()).max())


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


def rejection_panel(
    target_pdf: Function,
    proposal_sample: Callable[[int, torch.Generator | None], torch.Tensor],
    proposal_pdf: Function,
    xlim: tuple[float, float],
    M: float = 3.0,
    M_range: tuple[float, float] = (1.0, 8.0),
    n: int = 4000,
    seed: int = 0,
) -> LivePanel:
    r"""A slider for :math:`M`. The same ``n`` proposals and uniforms are reused for every value (common
    random numbers), so moving the slider changes only which points are kept, and the text compares the
    observed acceptance rate with :math:`1/M`.
    """
    generator = torch.Generator().manual_seed(seed)
    x = proposal_sample(n, generator).double().reshape(-1)
    u = torch.rand(n, generator=generator, dtype=torch.float64)
    ratio = target_pdf(x).double() / proposal_pdf(x).double()
    best = smallest_envelope_constant(target_pdf, proposal_pdf, xlim)

    def describe(M: float) -> str:
        rate = float((u * M < ratio).double().mean())
        line = f"M = {M:.2f}: acceptance rate {rate:.3f}, 1/M = {1 / M:.3f}."
        if M < best:
            line += (f" <b>M is below max p/q = {best:.2f}</b>: M q(x) dips under p(x), so the kept points follow "
                     "min(p, Mq) instead of p, and the rate falls short of 1/M.")
        return line

    return live_figure(
        lambda M: plot_rejection(target_pdf, proposal_pdf, M, x, u, xlim),
        {"M": slider(M, M_range[0], M_range[1], 0.05, "envelope constant M")},
        describe,
        title="rejection sampling",
    )


# ---------------------------------------------------------------------------------------------------
# Metropolis–Hastings
# ---------------------------------------------------------------------------------------------------


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


def metropolis_panel(
    log_target: Function,
    density: Function,
    x0: float,
    step_size: float = 1.0,
    n_steps: int = 3000,
    burn_in: int = 200,
    xlim: tuple[float, float] = (-5.0, 5.0),
    seed: int = 0,
) -> LivePanel:
    """A logarithmic slider for the proposal's step size; each move reruns the chain with the same seed
    and redraws :func:`plot_chain`, and the text reports the acceptance rate and effective sample size.
    """
    control = widgets.FloatLogSlider(
        value=step_size, base=10, min=-2, max=2, step=0.05, description="step size s",
        style={"description_width": "initial"}, layout=widgets.Layout(width="420px"),
    )
    runs: dict[float, tuple[torch.Tensor, float]] = {}

    def run(step_size: float) -> tuple[torch.Tensor, float]:
        if step_size not in runs:  # the image and the text need the same chain: run it once
            generator = torch.Generator().manual_seed(seed)
            runs[step_size] = metropolis_hastings(log_target, x0, n_steps, step_size, generator)
        return runs[step_size]

    def describe(step_size: float) -> str:
        chain, rate = run(step_size)
        ess = effective_sample_size(chain[burn_in:])
        return (f"step size {step_size:.3g}: acceptance rate {rate:.3f}, effective sample size ≈ {ess:,.0f} "
                f"of {n_steps - burn_in:,} states after burn-in.")

    return live_figure(
        lambda step_size: plot_chain(
            run(step_size)[0], density, burn_in, xlim=xlim,
            title=f"Metropolis–Hastings: step size {step_size:.3g}, acceptance rate {run(step_size)[1]:.3f}",
        ),
        {"step_size": control},
        describe,
        title="Metropolis–Hastings",
    )


# ---------------------------------------------------------------------------------------------------
# The transform method
# ---------------------------------------------------------------------------------------------------


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


def ring_transform(z: torch.Tensor) -> torch.Tensor:
    r"""A hand-made generator from 2-D Gaussian noise to a ring of radius 1:

    .. math:: \theta = 2\pi\,\Phi(z_1), \quad r = 1 + 0.1\, z_2, \quad x = (r\cos\theta,\ r\sin\theta),

    where :math:`\Phi` is the standard normal CDF, so :math:`\theta` is uniform on :math:`[0, 2\pi)`.
    """
    theta = 2 * math.pi * 0.5 * (1 + torch.erf(z[:, 0] / math.sqrt(2)))
    radius = 1 + 0.1 * z[:, 1]
    return torch.stack([radius * torch.cos(theta), radius * torch.sin(theta)], dim=1)


def random_generator(seed: int = 0, hidden: int = 64) -> nn.Module:
    """An untrained two-layer network from 2-D noise to 2-D points, with weights drawn from ``seed``.

    Its output is *some* distribution; training, from notebook 03 on, chooses the weights so that it
    becomes the data's.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        network = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, 2))
        for layer in network:
            if isinstance(layer, nn.Linear):  # larger weights than PyTorch's default bend the noise visibly
                nn.init.normal_(layer.weight, std=2.0 / math.sqrt(layer.in_features))
                nn.init.normal_(layer.bias, std=0.5)
    return network.requires_grad_(False)
