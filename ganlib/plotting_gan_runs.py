r"""Figures of GAN training runs (notebooks 05 and 06): the two players' losses and opinions, and runs side by side.

* :func:`plot_gan_history`: the losses of D and G, and the discriminator's mean outputs
  :math:`\bar D(x)` on real and :math:`\bar D(G(z))` on generated images, against the training step.
  At the equilibrium of the game :math:`D^* = \tfrac12` everywhere, so :math:`D` loses
  :math:`2 \ln 2 \approx 1.386` and :math:`G` loses :math:`\ln 2 \approx 0.693`; both are drawn.
* :func:`plot_runs`: several runs compared, one column each: a quality curve over training, the
  discriminator's outputs, and the final samples.

Like :mod:`ganlib.plotting`, the functions return the ``Figure``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ganlib.plotting import PALETTE, tile_images


def _opinions(ax: Axes, history: Mapping[str, Sequence[Any]]) -> None:
    ax.plot(history["step"], history["d_real"], color=PALETTE[0], label="D(x), real")
    ax.plot(history["step"], history["d_fake"], color=PALETTE[3], label="D(G(z)), generated")
    ax.axhline(0.5, color="grey", ls="--", lw=1, label="equilibrium ½")
    ax.set(ylim=(0, 1), xlabel="step", ylabel="mean discriminator output")


def plot_gan_history(history: Mapping[str, Sequence[Any]], title: str = "GAN training") -> Figure:
    """Left: ``d_loss`` and ``g_loss``; right: ``d_real`` and ``d_fake``, from a history of ``gan_step``."""
    missing = [key for key in ("step", "d_loss", "g_loss", "d_real", "d_fake") if key not in history]
    if missing:
        raise ValueError(f"the history lacks {missing}: pass the history of a run trained with ganlib.steps.gan_step.")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    left.plot(history["step"], history["d_loss"], color=PALETTE[0], label="D loss")
    left.plot(history["step"], history["g_loss"], color=PALETTE[1], label="G loss (non-saturating)")
    left.axhline(2 * math.log(2), color=PALETTE[0], ls=":", lw=1, label="D loss at equilibrium, 2 ln 2")
    left.axhline(math.log(2), color=PALETTE[1], ls=":", lw=1, label="G loss at equilibrium, ln 2")
    left.set(xlabel="step", ylabel="loss (nats)", title="losses")
    left.legend(fontsize=9)
    _opinions(right, history)
    right.set_title("what the discriminator thinks")
    right.legend(fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_runs(
    runs: Mapping[str, Mapping[str, Sequence[Any]]],
    quality: Mapping[str, Sequence[float]],
    samples: Mapping[str, torch.Tensor],
    quality_label: str = "confident share",
    title: str | None = None,
) -> Figure:
    """Compare runs, one column per name: ``quality[name]`` at each snapshot step of ``runs[name]``
    (all runs drawn in every panel, this one highlighted), the D outputs, and ``samples[name]``."""
    names = list(runs)
    if set(quality) != set(names) or set(samples) != set(names):
        raise ValueError("runs, quality and samples must have the same names.")
    fig, axes = plt.subplots(3, len(names), figsize=(3.3 * len(names), 9.2), squeeze=False, gridspec_kw={"height_ratios": [1, 1, 1.3]})
    for column, name in enumerate(names):
        top, middle, bottom = axes[:, column]
        for other in names:
            highlight = other == name
            top.plot(
                runs[other]["snapshot_step"],
                quality[other],
                color=PALETTE[names.index(other) % len(PALETTE)] if highlight else "lightgrey",
                lw=2 if highlight else 1,
                zorder=3 if highlight else 1,
            )
        top.set(ylim=(0, 1), xlabel="step", ylabel=quality_label if column == 0 else None, title=name)
        _opinions(middle, runs[name])
        if column:
            middle.set_ylabel(None)
        if column == 0:
            middle.legend(fontsize=8, loc="center right")
        bottom.imshow(tile_images(samples[name], nrow=6), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        bottom.set_title("samples at the end", fontsize=11)
        bottom.set_axis_off()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
