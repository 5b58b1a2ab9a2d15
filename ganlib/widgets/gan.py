"""Panels of notebook 05: scrub through a 1-D GAN's training, and play the game min_x max_y xy.

* :func:`training_scrubber`: a slider over the snapshots of a 1-D run redraws the classic picture
  (data density, generator density, D and D*) at that step;
* :func:`game_panel`: a step-size slider and a method menu redraw the path of gradient play.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import torch
from matplotlib.figure import Figure

from ganlib.dynamics import METHODS, play, radius
from ganlib.plotting.gan import plot_game, plot_gan_1d
from ganlib.widgets import LivePanel, live_figure, slider


def training_scrubber(
    grid: torch.Tensor, data_density: torch.Tensor, history: Mapping[str, Sequence]
) -> LivePanel:
    """A slider over ``history["snapshots"]`` (each ``(2, len(grid))``: p_g and D, from ``snapshot_1d``)."""
    snapshots, steps = history.get("snapshots"), history.get("snapshot_step")
    if not snapshots or steps is None or len(steps) != len(snapshots):
        raise ValueError("the history has no snapshots: train with snapshot=... and snapshot_every=... first.")
    control = widgets.IntSlider(
        value=len(steps) - 1, min=0, max=len(steps) - 1, description="snapshot", style={"description_width": "initial"},
        layout=widgets.Layout(width="420px"),
    )

    def draw(index: int) -> Figure:
        return plot_gan_1d(grid, data_density, [snapshots[index]], [steps[index]], title="")

    def describe(index: int) -> str:
        d = snapshots[index][1]
        return f"step {steps[index]}: D(x) ranges over [{d.min().item():.2f}, {d.max().item():.2f}] on the grid"

    return live_figure(draw, {"index": control}, describe, title="1-D GAN training, one snapshot at a time")


def game_panel(lr: float = 0.1, steps: int = 150, method: str = "simultaneous") -> LivePanel:
    """Gradient play on xy from (1, 1): choose the step size and the method, see the path and its radius."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}.")
    controls = {
        "lr": slider(lr, 0.01, 0.5, 0.01, "step size η"),
        "method": widgets.Dropdown(options=list(METHODS), value=method, description="method"),
    }

    def draw(lr: float, method: str) -> Figure:
        return plot_game({method: play((1.0, 1.0), lr, steps, method)}, title=f"{method} play, η = {lr:.2f}")

    def describe(lr: float, method: str) -> str:
        final = radius(play((1.0, 1.0), lr, steps, method))[-1].item()
        return f"after {steps} steps the distance to (0, 0) is {final:.3g} (it started at {2 ** 0.5:.3f})"

    return live_figure(draw, controls, describe, title="gradient play on min_x max_y xy")
