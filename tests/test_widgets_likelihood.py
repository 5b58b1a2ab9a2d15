"""ganlib.widgets.likelihood: the slider panel of notebook 02 redraws in place and reports the right numbers."""

import base64
import math

import matplotlib
import pytest

from ganlib.data.toy import gaussian_mixture_1d, GaussianMixture
from ganlib.likelihood import gaussian_divergences
from ganlib.plotting.likelihood import draw_divergences
from ganlib.widgets.likelihood import describe_divergences, divergence_panel

matplotlib.use("Agg")


def expected_text(target, mean, std):
    values = gaussian_divergences(target, mean, std)
    return [f"{values.forward_kl:.3f}", f"{values.reverse_kl:.3f}", f"{values.js:.3f}"]


def test_moving_a_slider_updates_image_and_text_in_place():
    target = gaussian_mixture_1d()
    panel = divergence_panel(target, mean=0.0, std=1.0)
    first_image, first_text = bytes(panel.image.value), panel.text.value
    assert first_image.startswith(b"\x89PNG") and bytes(panel.static_png) == first_image
    assert all(number in first_text for number in expected_text(target, 0.0, 1.0))

    panel.controls["mean"].value = -2.0  # outside a kernel, observers run synchronously
    assert bytes(panel.image.value) != first_image
    assert panel.text.value != first_text
    assert all(number in panel.text.value for number in expected_text(target, -2.0, 1.0))

    image_before = bytes(panel.image.value)
    panel.controls["std"].value = 0.5
    assert bytes(panel.image.value) != image_before
    assert all(number in panel.text.value for number in expected_text(target, -2.0, 0.5))
    assert bytes(panel.static_png) == first_image, "the static preview keeps the first state"


def test_display_bundle_carries_a_static_png_and_deterministic_text():
    panel = divergence_panel()
    bundle = panel._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == bytes(panel.static_png)
    assert bundle["text/plain"] == "<KL(p‖q), KL(q‖p) and JS(p, q) as q moves: mean, std; move the controls in a live notebook>"


def test_text_reports_js_bound():
    text = describe_divergences(4.0, 0.4)
    assert f"ln 2 = {math.log(2):.3f}" in text
    js = float(text.split("JS(p, q)</b> = ")[1].split(" ")[0])
    assert 0 < js <= math.log(2)


def test_figure_has_labelled_axes_and_the_values_in_its_title():
    fig = draw_divergences(1.5, 0.8)
    top, bottom = fig.axes
    assert top.get_ylabel() == "density" and bottom.get_xlabel() == "x" and bottom.get_ylabel()
    values = gaussian_divergences(gaussian_mixture_1d(), 1.5, 0.8)
    assert f"{values.forward_kl:.3f}" in top.get_title() and f"{values.js:.3f}" in top.get_title()
    matplotlib.pyplot.close(fig)


def test_panel_rejects_a_2d_target():
    with pytest.raises(ValueError, match="1-D"):
        divergence_panel(GaussianMixture([[0.0, 0.0], [1.0, 1.0]]))
