"""Interactive figures that update in place.

A slider moves, one function redraws, and the PNG inside an ``ipywidgets.Image`` is replaced. No new
figure is added per drag (so Colab does not stack plots), and the same output also carries a static
PNG of the first state, which is what readers see on GitHub, in an HTML export, or without a kernel.
The panels of individual notebooks live in the submodules of this package.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure

from ganlib.plotting import figure_to_png


class LivePanel:
    """Controls, an image and a line of text, bundled with a static preview for kernel-less readers."""

    def __init__(
        self,
        render: Callable[..., bytes],
        controls: Mapping[str, widgets.ValueWidget],
        describe: Callable[..., str] | None = None,
        title: str = "interactive figure",
        static_png: bytes | None = None,
        buttons: Sequence[widgets.Button] = (),
    ) -> None:
        self.controls = dict(controls)
        self._render = render
        self._describe = describe
        self._paused = False
        self.title = title
        self.image = widgets.Image(format="png")
        self.text = widgets.HTML()
        self.update()
        self.static_png = static_png if static_png is not None else bytes(self.image.value)
        for control in self.controls.values():
            control.observe(lambda _change: self.update(), names="value")
        rows = [*self.controls.values(), widgets.HBox(list(buttons))] if buttons else list(self.controls.values())
        self.widget = widgets.VBox([*rows, self.text, self.image])

    @property
    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def set_values(self, **values: Any) -> None:
        """Move several controls at once, redrawing a single time."""
        self._paused = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._paused = False
        self.update()

    def update(self) -> None:
        """Redraw with the current control values (called for you whenever a control moves)."""
        if self._paused:
            return
        values = self.values
        self.image.value = self._render(**values)
        if self._describe is not None:
            self.text.value = self._describe(**values)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["image/png"] = base64.b64encode(self.static_png).decode("ascii")
        bundle["text/plain"] = f"<{self.title}: {', '.join(self.controls)}; move the controls in a live notebook>"
        return bundle


def live_figure(
    draw: Callable[..., Figure],
    controls: Mapping[str, widgets.ValueWidget],
    describe: Callable[..., str] | None = None,
    title: str = "interactive figure",
) -> LivePanel:
    """An interactive figure: ``draw(**values)`` returns a Matplotlib figure for the controls' values.

    >>> live_figure(lambda mean: plot_density_1d(densities={...}), {"mean": slider(0, -3, 3)})
    """
    return LivePanel(lambda **values: figure_to_png(draw(**values)), controls, describe, title)


def slider(value: float, low: float, high: float, step: float | None = None, description: str = "") -> widgets.FloatSlider:
    """A float slider with a readable label width."""
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step if step is not None else (high - low) / 100,
        description=description,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="420px"),
    )
