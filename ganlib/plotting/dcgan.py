r"""Training as a film: the images of fixed latent codes at every snapshot, as one animated PNG.

Feeding the *same* codes to the generator throughout training shows how each sample forms: blobs first,
then strokes, then digits. :func:`training_animation` turns the snapshots kept by
:func:`ganlib.train.train` into an animated PNG (APNG). It is an ordinary ``image/png`` output, so
JupyterLab, Colab, VS Code and GitHub show it moving without a kernel or JavaScript (a viewer that does
not know APNG shows the first frame), and its text line is deterministic.
:func:`plot_snapshots` is the printable version: a few frames side by side.

:func:`plot_runs` compares several runs, one column each: a quality curve over training, the
discriminator's outputs, and the final samples.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from PIL import Image, ImageDraw, ImageFont

from ganlib.plotting import PALETTE, tile_images
from ganlib.plotting.gan import plot_opinions

CAPTION_HEIGHT = 20
GREY_LEVELS = 16  # plenty for digits, and it compresses the film about threefold


def _frame(images: torch.Tensor, caption: str, nrow: int, zoom: int) -> Image.Image:
    """One grid of images, enlarged ``zoom`` times, with ``caption`` written in a band below it."""
    levels = (tile_images(images, nrow) * (GREY_LEVELS - 1)).round() / (GREY_LEVELS - 1)
    canvas = (levels * 255).round().astype(np.uint8)
    grid = Image.fromarray(canvas, mode="L").resize((canvas.shape[1] * zoom, canvas.shape[0] * zoom), Image.NEAREST)
    frame = Image.new("L", (grid.width, grid.height + CAPTION_HEIGHT), color=255)
    frame.paste(grid, (0, 0))
    ImageDraw.Draw(frame).text((4, grid.height + 3), caption, fill=0, font=ImageFont.load_default())
    return frame


class Animation:
    """An animated PNG with a deterministic text representation, shown inline by Jupyter."""

    def __init__(self, frames: Sequence[Image.Image], durations_ms: Sequence[int], description: str) -> None:
        if not frames or len(frames) != len(durations_ms):
            raise ValueError(f"need one duration per frame and at least one frame, got {len(frames)} and {len(durations_ms)}.")
        self.frames = list(frames)
        self.description = description
        buffer = io.BytesIO()
        self.frames[0].save(
            buffer,
            format="PNG",
            save_all=True,
            append_images=self.frames[1:],
            duration=list(durations_ms),
            loop=0,
            optimize=True,
        )
        self.png = buffer.getvalue()

    def save(self, path: str) -> None:
        """Write the animation to a ``.png`` file (any browser plays it)."""
        with open(path, "wb") as file:
            file.write(self.png)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return {"image/png": base64.b64encode(self.png).decode("ascii"), "text/plain": f"<animation: {self.description}>"}


def _snapshots(history: Mapping[str, Sequence[Any]]) -> tuple[list[torch.Tensor], list[int]]:
    if not history.get("snapshots"):
        raise ValueError("the history holds no snapshots: train with snapshot=... (and snapshot_every=...) first.")
    return list(history["snapshots"]), list(history["snapshot_step"])


def training_animation(
    history: Mapping[str, Sequence[Any]],
    count: int = 36,
    nrow: int = 6,
    zoom: int = 2,
    frame_ms: int = 500,
    last_frame_ms: int = 2500,
) -> Animation:
    """The first ``count`` snapshot images of every snapshot in ``history``, one frame per snapshot.

    Each frame is captioned with its training step; the last one stays on screen longer before the loop.
    """
    snapshots, steps = _snapshots(history)
    frames = [_frame(images[:count], f"fixed noise, step {step:,}", nrow, zoom) for images, step in zip(snapshots, steps)]
    durations = [frame_ms] * (len(frames) - 1) + [last_frame_ms]
    return Animation(frames, durations, f"{len(frames)} frames, steps {steps[0]:,} to {steps[-1]:,}")


def plot_snapshots(
    history: Mapping[str, Sequence[Any]], steps: Sequence[int], count: int = 16, nrow: int = 4, title: str | None = None
) -> Figure:
    """The snapshots taken at ``steps`` (each must be a snapshot step), side by side, each titled with its step."""
    snapshots, taken = _snapshots(history)
    missing = [s for s in steps if s not in taken]
    if missing:
        raise ValueError(f"no snapshot at steps {missing}; snapshots were taken at {taken}.")
    fig, axes = plt.subplots(1, len(steps), figsize=(2.2 * len(steps), 2.6), squeeze=False)
    for ax, step in zip(axes[0], steps):
        ax.imshow(tile_images(snapshots[taken.index(step)][:count], nrow), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"step {step:,}", fontsize=11)
        ax.set_axis_off()
    if title:
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
        plot_opinions(middle, runs[name])
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
