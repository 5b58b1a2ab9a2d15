r"""What the bandwidth of the MMD does, on two 1-D samples: a slider for :math:`h`, the witness function redrawn.

The witness :math:`f(t) = \frac1m \sum_i k(x_i, t) - \frac1n \sum_j k(y_j, t)` shows *where* the kernel sees
a difference between the samples. With a tiny bandwidth it is a comb of spikes on the sample points
(every sample differs from every other, and the estimate is noise); with a huge one it is nearly flat (the
kernel sees little beyond the means); in between it follows the real difference of the densities.
"""

from __future__ import annotations

import ipywidgets as widgets
import torch

from ganlib.metrics.two_sample import bandwidth_summary
from ganlib.mmd import median_heuristic
from ganlib.plotting.mmd import draw_bandwidth
from ganlib.widgets import LivePanel, live_figure

LOG10_RANGE = (-2.0, 1.5)


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

