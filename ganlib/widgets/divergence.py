r"""Move a Gaussian :math:`q` around a target :math:`p` and watch KL(p ‖ q), KL(q ‖ p) and JS(p, q) change.

The top panel shows the two densities. The bottom panel shows where each KL comes from: the integrands
:math:`p \log(p/q)` and :math:`q \log(q/p)`, whose signed areas are KL(p ‖ q) and KL(q ‖ p). Forward KL
is large wherever :math:`p` has mass that :math:`q` misses; reverse KL is large wherever :math:`q` puts
mass where :math:`p` has almost none.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from ganlib.data import GaussianMixture, gaussian_mixture_1d
from ganlib.fitting import gaussian_divergences, gaussian_log_density
from ganlib.plotting import PALETTE
from ganlib.widgets import LivePanel, live_figure, slider

XLIM = (-6.0, 6.0)
MEAN_RANGE = (-4.0, 4.0)
STD_RANGE = (0.4, 3.0)


def draw_divergences(mean: float, std: float, target: GaussianMixture | None = None) -> Figure:
    """The densities of ``target`` p and q = N(mean, std²) (top) and the two KL integrands (bottom)."""
    target = target if target is not None else gaussian_mixture_1d()
    x = torch.linspace(*XLIM, 600, dtype=torch.float64)
    p = target.log_prob(x).double().exp()
    q = gaussian_log_density(x, mean, std).exp()
    forward = p * torch.log(p / q)
    reverse = q * torch.log(q / p)
    values = gaussian_divergences(target, mean, std)

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.2, 6.0), sharex=True, height_ratios=(1.2, 1))
    top.fill_between(x, p, color=PALETTE[0], alpha=0.25)
    top.plot(x, p, color=PALETTE[0], lw=2, label="target $p$ (mixture)")
    top.plot(x, q, color=PALETTE[3], lw=2, ls="--", label=rf"$q = \mathcal{{N}}({mean:.2f},\ {std:.2f}^2)$")
    top.set(ylabel="density", ylim=(0, 1.1), title=f"KL(p‖q) = {values.forward_kl:.3f}   KL(q‖p) = "
            f"{values.reverse_kl:.3f}   JS = {values.js:.3f} nats")
    top.legend(loc="upper left")

    bottom.axhline(0, color="black", lw=0.8)
    bottom.fill_between(x, forward.clamp(-1, 3), color=PALETTE[1], alpha=0.3)
    bottom.plot(x, forward.clamp(-1, 3), color=PALETTE[1], lw=2, label=r"$p \log(p/q)$: area = KL(p‖q)")
    bottom.fill_between(x, reverse.clamp(-1, 3), color=PALETTE[2], alpha=0.2)
    bottom.plot(x, reverse.clamp(-1, 3), color=PALETTE[2], lw=2, label=r"$q \log(q/p)$: area = KL(q‖p)")
    bottom.set(xlabel="x", ylabel="integrand (nats per unit x)", xlim=XLIM, ylim=(-0.5, 1.5))
    bottom.legend(loc="upper left")
    fig.tight_layout()
    return fig


def describe_divergences(mean: float, std: float, target: GaussianMixture | None = None) -> str:
    """One HTML line with the three divergences for q = N(mean, std²), to three decimals."""
    values = gaussian_divergences(target if target is not None else gaussian_mixture_1d(), mean, std)
    return (
        f"<b>KL(p‖q)</b> = {values.forward_kl:.3f} nats &nbsp;·&nbsp; "
        f"<b>KL(q‖p)</b> = {values.reverse_kl:.3f} nats &nbsp;·&nbsp; "
        f"<b>JS(p, q)</b> = {values.js:.3f} nats (never above ln 2 = {math.log(2):.3f})"
    )


def divergence_panel(target: GaussianMixture | None = None, mean: float = 0.0, std: float = 1.0) -> LivePanel:
    """Sliders for the mean and spread of q; the figure and the line of divergences follow them."""
    target = target if target is not None else gaussian_mixture_1d()
    if target.dim != 1:
        raise ValueError(f"divergence_panel compares 1-D densities; the target is {target.dim}-D.")
    controls = {
        "mean": slider(mean, *MEAN_RANGE, step=0.05, description="mean of q"),
        "std": slider(std, *STD_RANGE, step=0.05, description="std of q"),
    }
    return live_figure(
        lambda mean, std: draw_divergences(mean, std, target),
        controls,
        describe=lambda mean, std: describe_divergences(mean, std, target),
        title="KL(p‖q), KL(q‖p) and JS(p, q) as q moves",
    )
