"""The shape of a training recipe."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch


@dataclass(frozen=True)
class Recipe:
    """A named way to train one checkpoint.

    ``train(output, minutes, device)`` trains (within ``minutes`` when given, else the recipe's default
    budget), writes the checkpoint to ``output`` and returns that path. ``folder`` is where it goes by default,
    inside ``data/``: ``checkpoints`` for a network, ``runs`` for the histories of runs (no network).
    """

    name: str
    description: str
    train: Callable[[Path, float | None, torch.device], Path]
    folder: str = "checkpoints"
