"""Data for the course, one kind per file, and where it lives on disk.

* :mod:`~ganlib.data.mnist`: MNIST, the 5,000-image subset shipped in ``data/`` (or the full set on request);
* :mod:`~ganlib.data.toy`: toy distributions: Gaussian mixtures (the 2-D ring and grid), two moons, a swiss roll;
* :mod:`~ganlib.data.batches`: shuffled mini-batches of tensors that already sit on the training device;
* :mod:`~ganlib.data.images`: a folder of your own PNG or JPEG images, squared and kept in memory.
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The ``data/`` folder: ``$GANLIB_DATA`` when set, else the one beside the ``ganlib`` package."""
    if "GANLIB_DATA" in os.environ:
        return Path(os.environ["GANLIB_DATA"]).expanduser()
    return Path(__file__).resolve().parent.parent.parent / "data"
