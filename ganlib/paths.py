"""Where the course keeps its data and checkpoints."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The ``data/`` folder: ``$GANLIB_DATA`` when set, else the one beside the ``ganlib`` package."""
    if "GANLIB_DATA" in os.environ:
        return Path(os.environ["GANLIB_DATA"]).expanduser()
    return Path(__file__).resolve().parent.parent / "data"


def checkpoint_dir() -> Path:
    """The folder of pretrained checkpoints, ``data/checkpoints``."""
    return data_dir() / "checkpoints"


def runs_dir() -> Path:
    """The folder of shipped training-run histories, ``data/runs``: runs a notebook shows without retraining."""
    return data_dir() / "runs"
