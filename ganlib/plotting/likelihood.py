r"""Figures of notebook 02: a Gaussian fit against the bimodal target, with its forward and reverse KL.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from ganlib.data.toy import GaussianMixture, gaussian_mixture_1d
from ganlib.likelihood import gaussian_divergences, gaussian_log_density
from ganlib.plotting import PALETTE


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


XLIM = (-6.0, 6.0)
