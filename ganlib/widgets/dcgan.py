"""Notebook 06's failure lab as a panel: toggle which DCGAN guideline is broken, see what it does.

:func:`failure_lab_panel` takes runs that were already trained (``ganlib.dcgan.run_lab``) and shows
one broken run next to the reference run: the share of confident samples over training, what the
discriminator thinks, and the final samples. Switching the toggle redraws the panel in place; readers
without a kernel see every run side by side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import torch

from ganlib.plotting import figure_to_png
from ganlib.plotting.dcgan import plot_runs
from ganlib.widgets import LivePanel


def failure_lab_panel(
    histories: Mapping[str, Mapping[str, Sequence[Any]]],
    quality: Mapping[str, Sequence[float]],
    samples: Mapping[str, torch.Tensor],
    reference: str = "reference",
) -> LivePanel:
    """Toggle buttons, one per broken run; the panel compares the chosen run with ``reference``.

    Args:
        histories: training histories by run name (with ``snapshot_step``, ``d_real``, ``d_fake``).
        quality: the confident share at each snapshot of each run.
        samples: final images of each run, ``(n, 1, 28, 28)`` in [0, 1].
        reference: the name of the run trained by the guidelines.
    """
    if reference not in histories:
        raise ValueError(f"the runs must include the reference run {reference!r}; got {list(histories)}.")
    broken = [name for name in histories if name != reference]
    if not broken:
        raise ValueError("give at least one broken run besides the reference.")
    toggle = widgets.ToggleButtons(options=broken, value=broken[0], description="break:", style={"button_width": "auto"})

    def pick(names: list[str]) -> tuple[dict, dict, dict]:
        return ({n: histories[n] for n in names}, {n: quality[n] for n in names}, {n: samples[n] for n in names})

    def render(broken_run: str) -> bytes:
        return figure_to_png(plot_runs(*pick([reference, broken_run]), title=f"{reference} vs {broken_run}"))

    def describe(broken_run: str) -> str:
        return f"{broken_run}: {quality[broken_run][-1]:.0%} confident at the end, against {quality[reference][-1]:.0%} for the {reference}"

    everything = figure_to_png(plot_runs(*pick([reference, *broken]), title="The failure lab, every run"))
    return LivePanel(render, {"broken_run": toggle}, describe, title="the DCGAN failure lab", static_png=everything)
