r"""The interactive panels of notebook 01, *Sampling* (sliders that redraw one image in place, see
:class:`ganlib.widgets.LivePanel`); their figures are in :mod:`ganlib.plotting.sampling`.

* :func:`rejection_panel`: move :math:`M` and watch the acceptance rate follow :math:`1/M`;
* :func:`metropolis_panel`: move the proposal's step size and watch the chain mix, or not.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import torch

from ganlib.plotting.sampling import plot_chain, plot_rejection
from ganlib.sampling import (
    Function,
    effective_sample_size,
    metropolis_hastings,
    smallest_envelope_constant,
)
from ganlib.widgets import LivePanel, live_figure, slider

# ---------------------------------------------------------------------------------------------------
# Inverse transform
# ---------------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------------
# Rejection sampling
# ---------------------------------------------------------------------------------------------------


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


