import base64

import ipywidgets as widgets
import matplotlib.pyplot as plt

from ganlib.widgets import live_figure, slider


def _draw(height: float):
    fig, ax = plt.subplots()
    ax.bar([0], [height])
    ax.set_ylim(0, 2)
    return fig


def test_moving_a_slider_replaces_the_image_and_text_in_place():
    panel = live_figure(_draw, {"height": slider(0.5, 0.0, 2.0)}, describe=lambda height: f"h = {height:.2f}")
    first, image = bytes(panel.image.value), panel.image
    assert first.startswith(b"\x89PNG") and panel.text.value == "h = 0.50"
    panel.controls["height"].value = 1.5
    assert panel.image is image and bytes(panel.image.value) != first
    assert panel.text.value == "h = 1.50"
    assert plt.get_fignums() == []  # drawn figures are closed, never shown as extra outputs


def test_display_bundle_has_widget_static_png_and_stable_text():
    panel = live_figure(_draw, {"height": slider(1.0, 0.0, 2.0)}, title="bar")
    panel.controls["height"].value = 0.2
    bundle = panel._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view == {"version_major": 2, "version_minor": 0, "model_id": panel.widget.model_id}
    if hasattr(panel.widget, "_repr_mimebundle_"):  # ipywidgets 8 refers to its widget the same way
        assert view == panel.widget._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]
    assert base64.b64decode(bundle["image/png"]) == panel.static_png != bytes(panel.image.value)
    assert bundle["text/plain"] == "<bar: height; move the controls in a live notebook>"
    assert isinstance(panel.widget, widgets.VBox)
