"""MNIST, offline first.

The repository ships a 5,000-image subset (500 per digit) in ``data/mnist-5k.npz`` with a fixed,
stratified 4,500 / 500 train / val split, so every notebook runs without a network. Full MNIST
(60,000 + 10,000 images, torchvision's files under ``data/MNIST``) is used when it is on disk, and
downloaded only when you ask for it with ``download=True``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import torch

from ganlib.data import data_dir

Split = Literal["train", "val", "all"]
Source = Literal["auto", "subset", "full"]
Scale = Literal["unit", "symmetric"]

SUBSET_FILE = "mnist-5k.npz"
_SPLITS = ("train", "val", "all")
_SOURCES = ("auto", "subset", "full")
_SCALES = ("unit", "symmetric")
CORRECTION_HALF, JUDGE_HALF = 0, 1
"""Which of :func:`training_halves` of the subset's training digits (seed 0) a density-ratio correction may learn
from, and which the independent judge of its samples learns from."""


def load_mnist(
    split: Split = "train",
    source: Source = "auto",
    *,
    scale: Scale = "unit",
    root: str | Path | None = None,
    download: bool = False,
    device: torch.device | str | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Load MNIST as ``(images, labels)``.

    Args:
        split: ``"train"``, ``"val"`` or ``"all"``. For full MNIST, ``"val"`` is the official 10,000-image
            test set and ``"train"`` the 60,000 training images.
        source: ``"subset"`` (the shipped 5,000 images), ``"full"`` (torchvision's files), or ``"auto"``:
            full MNIST when its files are on disk, else the subset.
        scale: ``"unit"`` for pixels in [0, 1] (VAEs, classifiers), ``"symmetric"`` for [-1, 1]
            (GANs with a tanh output).
        root: the data folder; defaults to the repository's ``data/``.
        download: with ``source="full"``, fetch the files if they are missing (needs a network).
        device: where to put the tensors; defaults to the CPU.

    Returns:
        images of shape ``(N, 1, 28, 28)``, float32, and labels of shape ``(N,)``, int64.
    """
    if split not in _SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {', '.join(map(repr, _SPLITS))}.")
    if source not in _SOURCES:
        raise ValueError(f"unknown MNIST source {source!r}; use one of {', '.join(map(repr, _SOURCES))}.")
    if scale not in _SCALES:
        raise ValueError(f"unknown scale {scale!r}; use 'unit' for [0, 1] or 'symmetric' for [-1, 1].")
    root = Path(root) if root is not None else data_dir()
    if source == "auto":
        source = "full" if full_mnist_available(root) else "subset"
    if source == "subset":
        pixels, labels = _load_subset(root, split)
    else:
        pixels, labels = _load_full(root, split, download)
    images = torch.from_numpy(pixels).float().div_(255.0).unsqueeze(1)
    if scale == "symmetric":
        images = images * 2.0 - 1.0
    return images.to(device or "cpu"), torch.from_numpy(labels).long().to(device or "cpu")


def full_mnist_available(root: str | Path | None = None) -> bool:
    """True when torchvision's MNIST files (training and test) are under ``root/MNIST/raw``."""
    raw = Path(root if root is not None else data_dir()) / "MNIST" / "raw"
    needed = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    return all((raw / name).exists() for name in needed)


def _load_subset(root: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    path = root / SUBSET_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"the MNIST subset {path} is missing. It ships with the repository: run from a clone of it, "
            "or set GANLIB_DATA to the folder that holds mnist-5k.npz."
        )
    with np.load(path) as f:
        images, labels, is_val = f["images"], f["labels"], f["is_val"]
    if split == "train":
        return images[~is_val], labels[~is_val]
    if split == "val":
        return images[is_val], labels[is_val]
    return images, labels


def _load_full(root: Path, split: str, download: bool) -> tuple[np.ndarray, np.ndarray]:
    from torchvision.datasets import (
        MNIST,  # imported here: only full MNIST needs torchvision
    )

    if not download and not full_mnist_available(root):
        raise FileNotFoundError(
            f"full MNIST is not in {root / 'MNIST' / 'raw'}. Either call load_mnist(..., source='full', "
            "download=True) once while online, copy torchvision's MNIST files there, or use "
            "source='subset' (the 5,000 images shipped with the course)."
        )
    parts = {"train": [True], "val": [False], "all": [True, False]}[split]
    try:
        datasets = [MNIST(str(root), train=train, download=download) for train in parts]
    except Exception as error:  # torchvision raises plain RuntimeError/URLError on network trouble
        raise RuntimeError(
            f"could not download full MNIST into {root} ({error}). Check the network connection, or "
            "use source='subset' to work offline with the shipped 5,000 images."
        ) from error
    images = np.concatenate([d.data.numpy() for d in datasets])
    labels = np.concatenate([d.targets.numpy() for d in datasets])
    return images, labels


def training_halves(labels: torch.Tensor, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two disjoint halves of a labelled set, as index tensors, each with half of every class's images (a class
    with an odd count gives its extra image to the first half), chosen at random with ``seed``.

    The course splits the subset's 4,500 training digits this way so that a network which corrects a generator
    and a network which judges the result learn from different digits (``ganlib.recipes.classifier``).
    """
    labels = torch.as_tensor(labels).cpu()
    generator = torch.Generator().manual_seed(seed)
    first, second = [], []
    for digit in labels.unique().tolist():
        members = (labels == digit).nonzero().reshape(-1)
        members = members[torch.randperm(len(members), generator=generator)]
        middle = (len(members) + 1) // 2
        first.append(members[:middle])
        second.append(members[middle:])
    return torch.cat(first).sort().values, torch.cat(second).sort().values
