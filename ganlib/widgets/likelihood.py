r"""Move a Gaussian :math:`q` around a target :math:`p` and watch KL(p ‖ q), KL(q ‖ p) and JS(p, q) change.

The top panel shows the two densities. The bottom panel shows where each KL comes from: the integrands
:math:`p \log(p/q)` and :math:`q \log(q/p)`, whose signed areas are KL(p ‖ q) and KL(q ‖ p). Forward KL
is large wherever :math:`p` has mass that :math:`q` misses; reverse KL is large wherever :math:`q` puts
mass where :math:`p` has almost none.
"""

from __future__ import annotations

import math

from ganlib.data.toy import GaussianMixture, gaussian_mixture_1d
from ganlib.likelihood import gaussian_divergences
from ganlib.plotting.likelihood import draw_divergences
from ganlib.widgets import LivePanel, live_figure, slider

MEAN_RANGE = (-4.0, 4.0)
STD_RANGE = (0.4, 3.0)


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
