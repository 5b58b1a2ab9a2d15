"""Interactive figures that update in place.

A slider moves, one function redraws, and the PNG inside an ``ipywidgets.Image`` is replaced. No new
figure is added per drag (so Colab does not stack plots), and the same output also carries a static
PNG of the first state, which is what readers see on GitHub, in an HTML export, or without a kernel.
The panels of individual notebooks live in the submodules of this package.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.figure import Figure
from PIL import Image

from ganlib.models.generator import Generator
from ganlib.plotting import figure_to_png, tile_images


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
        """Three views of one output: the live panel (a reference to the widget, which the front end draws),
        the static PNG, and a line of text. The reference is written out here rather than asked of the widget:
        ipywidgets 8 would give it from ``_repr_mimebundle_``, but ipywidgets 7, which Colab ships, has no such
        method (its widgets display themselves), and the reference is the same in both."""
        return {
            "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0, "model_id": self.widget.model_id},
            "image/png": base64.b64encode(self.static_png).decode("ascii"),
            "text/plain": f"<{self.title}: {', '.join(self.controls)}; move the controls in a live notebook>",
        }


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


def images_to_png(images: torch.Tensor, nrow: int = 10, zoom: int = 4) -> bytes:
    """A grid of images in [0, 1] (or [-1, 1]) as PNG bytes, each pixel drawn as ``zoom × zoom``."""
    canvas = (tile_images(images, nrow) * 255).round().astype(np.uint8)
    picture = Image.fromarray(canvas, mode="L").resize((canvas.shape[1] * zoom, canvas.shape[0] * zoom), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="png")
    return buffer.getvalue()


@torch.no_grad()
def _decode(model: Generator, z: torch.Tensor) -> torch.Tensor:
    device = next(model.parameters()).device
    return model.decode(z.to(device)).cpu()


def traversal_grid(model: Generator, z0: torch.Tensor, dims: list[int], span: float = 3.0, steps: int = 9) -> torch.Tensor:
    """Images varying one latent dimension at a time: row ``i`` sweeps ``dims[i]`` over [-span, span]."""
    values = torch.linspace(-span, span, steps)
    codes = z0.repeat(len(dims) * steps, 1)
    for row, dim in enumerate(dims):
        codes[row * steps : (row + 1) * steps, dim] = values
    return _decode(model, codes)


def latent_sliders(
    model: Generator, dims: list[int] | None = None, z0: torch.Tensor | None = None, span: float = 3.0, seed: int = 0
) -> LivePanel:
    """One slider per chosen latent dimension; the decoded image updates in place.

    Args:
        model: a generator (``latent_dim``, ``decode``).
        dims: the latent dimensions to expose (default: the first eight).
        z0: the starting code (default: zeros, the prior's mode); unexposed dimensions keep its values.
        span: sliders run over [-span, span].
        seed: seed of the "random" button's draws.

    The static preview is a traversal grid: one row per exposed dimension, swept over [-span, span].
    """
    latent_dim = model.latent_dim
    dims = list(range(min(8, latent_dim))) if dims is None else list(dims)
    bad = [d for d in dims if not 0 <= d < latent_dim]
    if bad or not dims:
        raise ValueError(f"dims must be non-empty indices in 0..{latent_dim - 1} for this {latent_dim}-D latent space, got {dims}.")
    base = torch.zeros(1, latent_dim) if z0 is None else torch.as_tensor(z0, dtype=torch.float32).reshape(1, -1)
    if base.shape[1] != latent_dim:
        raise ValueError(f"z0 must have {latent_dim} entries, got {base.shape[1]}.")
    controls = {f"z{d}": slider(float(base[0, d]), -span, span, 0.05, f"z[{d}]") for d in dims}

    def render(**values: float) -> bytes:
        z = base.clone()
        for d in dims:
            z[0, d] = values[f"z{d}"]
        return images_to_png(_decode(model, z), zoom=8)

    random_button, reset_button = widgets.Button(description="random z"), widgets.Button(description="reset")
    static = images_to_png(traversal_grid(model, base, dims, span), nrow=9, zoom=2)
    panel = LivePanel(render, controls, title="latent sliders", static_png=static, buttons=[random_button, reset_button])
    draws = torch.Generator().manual_seed(seed)

    def randomise(_button: widgets.Button) -> None:
        z = torch.randn(len(dims), generator=draws).clamp(-span, span)
        panel.set_values(**{f"z{d}": float(v) for d, v in zip(dims, z)})

    random_button.on_click(randomise)
    reset_button.on_click(lambda _button: panel.set_values(**{f"z{d}": float(base[0, d]) for d in dims}))
    panel.random_button, panel.reset_button = random_button, reset_button
    return panel


def interpolate(model: Generator, z0: torch.Tensor, z1: torch.Tensor, steps: int = 10) -> LivePanel:
    """A slider ``t`` in [0, 1] along the straight line ``(1 - t) z0 + t z1`` between two codes.

    The static preview is the path itself, ``steps`` images from ``z0`` to ``z1``.
    """
    z0 = torch.as_tensor(z0, dtype=torch.float32).reshape(1, -1)
    z1 = torch.as_tensor(z1, dtype=torch.float32).reshape(1, -1)
    if z0.shape != (1, model.latent_dim) or z1.shape != (1, model.latent_dim):
        raise ValueError(f"z0 and z1 must each have {model.latent_dim} entries, got {z0.shape[1]} and {z1.shape[1]}.")
    path = torch.linspace(0, 1, steps)[:, None]
    static = images_to_png(_decode(model, (1 - path) * z0 + path * z1), nrow=steps, zoom=2)
    return LivePanel(
        lambda t: images_to_png(_decode(model, (1 - t) * z0 + t * z1), zoom=8),
        {"t": slider(0.0, 0.0, 1.0, 0.02, "t")},
        describe=lambda t: f"z = {1 - t:.2f}·z0 + {t:.2f}·z1",
        title="latent interpolation",
        static_png=static,
    )
