"""ganlib.widgets.mmd: the bandwidth panel redraws in place and reports the numbers of the permutation test."""

import base64

import matplotlib
import pytest
import torch

from ganlib.mmd import median_heuristic, mmd2
from ganlib.plotting.mmd import draw_bandwidth
from ganlib.metrics.two_sample import bandwidth_summary
from ganlib.widgets.mmd import bandwidth_panel, describe_bandwidth

matplotlib.use("Agg")


@pytest.fixture
def samples():
    g = torch.Generator().manual_seed(0)
    x = torch.cat([torch.randn(100, generator=g) * 0.5 - 2, torch.randn(100, generator=g) * 0.5 + 2])
    y = torch.randn(200, generator=g) * 2.06  # same mean and variance, one mode instead of two
    return x, y


def test_summary_is_the_unbiased_mmd_and_a_valid_p_value(samples):
    x, y = samples
    statistic, p_value = bandwidth_summary(x, y, 1.0)
    assert statistic == pytest.approx(mmd2(x[:, None], y[:, None], 1.0).item(), abs=1e-6)
    assert p_value == pytest.approx(1 / 201)  # two modes against one: no shuffle comes close
    assert bandwidth_summary(x, y, 50.0)[1] > 0.05  # a huge bandwidth sees only the matched mean and variance


def test_slider_updates_image_and_text(samples):
    x, y = samples
    panel = bandwidth_panel(x, y)
    median = median_heuristic(x[:, None], y[:, None])
    assert panel.controls["h"].value == pytest.approx(median, rel=1e-6)
    first_image, first_text = bytes(panel.image.value), panel.text.value
    assert f"{median:.3g}" in first_text and "p-value" in first_text
    panel.controls["h"].value = 20.0
    assert bytes(panel.image.value) != first_image and panel.text.value != first_text
    assert panel.text.value == describe_bandwidth(x, y, panel.controls["h"].value)
    bundle = panel._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == first_image
    assert bundle["text/plain"].startswith("<the MMD witness function")


def test_figure_is_labelled(samples):
    fig = draw_bandwidth(*samples, 0.5)
    top, bottom = fig.axes
    assert top.get_ylabel() == "density" and bottom.get_xlabel() == "t" and bottom.get_ylabel() == "witness f(t)"
    assert "h = 0.5" in top.get_title() and "p-value" in top.get_title()
    matplotlib.pyplot.close(fig)
