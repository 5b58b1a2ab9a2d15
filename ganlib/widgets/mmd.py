r"""What the bandwidth of the MMD does, on two 1-D samples: a slider for :math:`h`, the witness function redrawn.

The witness :math:`f(t) = \frac1m \sum_i k(x_i, t) - \frac1n \sum_j k(y_j, t)` shows *where* the kernel sees
a difference between the samples. With a tiny bandwidth it is a comb of spikes on the sample points
(every sample differs from every other, and the estimate is noise); with a huge one it is nearly flat (the
kernel sees little beyond the means); in between it follows the real difference of the densities.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from ganlib.divergences import median_heuristic, mmd_permutation_test, mmd_witness
from ganlib.plotting import PALETTE
from ganlib.widgets import LivePanel, live_figure

LOG10_RANGE = (-2.0, 1.5)


def bandwidth_summary(x: torch.Tensor, y: torch.Tensor, bandwidth: float, n_permutations: int = 200, seed: int = 0) -> tuple[float, float]:
    """Unbiased MMD² of the two samples and the p-value of the permutation test, for one Gaussian bandwidth."""
    result = mmd_permutation_test(x, y, bandwidth, n_permutations=n_permutations, generator=torch.Generator().manual_seed(seed))
    return result.statistic, result.p_value


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


def describe_bandwidth(x: torch.Tensor, y: torch.Tensor, bandwidth: float, n_permutations: int = 200) -> str:
    """One HTML line: the bandwidth against the median heuristic, the unbiased MMD² and the test's p-value."""
    statistic, p_value = bandwidth_summary(x, y, bandwidth, n_permutations)
    median = median_heuristic(torch.as_tensor(x).reshape(-1, 1).float(), torch.as_tensor(y).reshape(-1, 1).float())
    verdict = "different" if p_value <= 0.05 else "no evidence of a difference"
    return (
        f"<b>h</b> = {bandwidth:.3g} (median heuristic: {median:.3g}) &nbsp;·&nbsp; <b>MMD²ᵤ</b> = {statistic:.4f}"
        f" &nbsp;·&nbsp; <b>p-value</b> = {p_value:.3f} ({verdict} at α = 0.05)"
    )


def bandwidth_panel(x: torch.Tensor, y: torch.Tensor, bandwidth: float | None = None, labels: tuple[str, str] = ("p", "q")) -> LivePanel:
    """A logarithmic slider for the Gaussian bandwidth; the witness, MMD² and p-value follow it.

    Starts at the median heuristic unless ``bandwidth`` is given.
    """
    x, y = torch.as_tensor(x).reshape(-1, 1).float(), torch.as_tensor(y).reshape(-1, 1).float()
    start = bandwidth if bandwidth is not None else median_heuristic(x, y)
    control = widgets.FloatLogSlider(
        value=start,
        base=10,
        min=LOG10_RANGE[0],
        max=LOG10_RANGE[1],
        step=0.05,
        description="bandwidth h",
        continuous_update=False,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="420px"),
    )
    return live_figure(
        lambda h: draw_bandwidth(x, y, h, labels),
        {"h": control},
        describe=lambda h: describe_bandwidth(x, y, h),
        title="the MMD witness function as the bandwidth changes",
    )

