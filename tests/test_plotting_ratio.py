"""Figures of the corrected samplers: the reliability bins by hand, and each figure draws what it says."""

import numpy as np
import torch
from matplotlib.figure import Figure

from ganlib.data.toy import grid
from ganlib.metrics.calibration import reliability
from ganlib.plotting.ratio_sampling import plot_price, plot_ratio_map, plot_reliability


def test_reliability_bins_by_hand():
    real = torch.tensor([0.95, 0.92, 0.15])
    fake = torch.tensor([0.12, 0.91, 0.55])
    predicted, observed, counts = reliability(real, fake, bins=10)
    # bins: [0.1, 0.2) holds 0.15 (real) and 0.12 (fake); [0.5, 0.6) holds 0.55 (fake); [0.9, 1] holds 0.95, 0.92 (real), 0.91 (fake)
    assert np.allclose(predicted, [(0.15 + 0.12) / 2, 0.55, (0.95 + 0.92 + 0.91) / 3])
    assert np.allclose(observed, [0.5, 0.0, 2 / 3])
    assert counts.tolist() == [2, 1, 3]


def test_a_probability_of_one_falls_in_the_last_bin():
    predicted, observed, counts = reliability(torch.tensor([1.0]), torch.tensor([0.0]), bins=4)
    assert counts.tolist() == [1, 1] and observed.tolist() == [0.0, 1.0]


def test_the_figures_draw_their_data():
    points = grid().sample(200, torch.Generator().manual_seed(0))
    fig = plot_ratio_map(points, torch.randn(200, generator=torch.Generator().manual_seed(1)), grid())
    assert isinstance(fig, Figure) and fig.axes[0].collections[0].get_offsets().shape == (200, 2)
    fig = plot_price({"DRS": [(2.0, 0.8, "a"), (10.0, 0.85, "b")], "MH": [(2.0, 0.78, "1")]}, baseline=0.76, ylabel="quality")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and len(ax.lines) == 3 and ax.get_ylabel() == "quality"
    fig = plot_reliability({"before": (torch.rand(50), torch.rand(50)), "after": (torch.rand(50), torch.rand(50))})
    assert [line.get_label() for line in fig.axes[0].lines] == ["calibrated", "before", "after"]
