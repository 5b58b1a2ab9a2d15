r"""Checks, each failing with a message that names the fix: of inputs, and of a training run's teaching claims.

**Inputs.** :func:`check_images`, :func:`check_symmetric_images` and :func:`unit_images` (image batches and
their range), :func:`check_latent` (latent codes: shape, NaN), :func:`check_labels` (class labels),
:func:`check_count` (a number of samples), :func:`check_writable` (a file to write at the end of a long run).

**Claims.** Teaching claims about a training run, checked where they are made.

A training run gives different digits on different machines: the CPU's instruction set, the kernels
oneDNN picks, the number of threads and bfloat16 support all change the last bits of every step, and
training amplifies them. So a notebook never states "the loss fell to 0.806"; it states what the run is
there to show, with a margin that holds on any machine and seed, and checks it:

>>> claim("the trained D is within 0.15 of D* wherever a density exceeds 0.01", gap < 0.15,
...       measured=f"largest gap {gap:.3f}")
✔ the trained D is within 0.15 of D* wherever a density exceeds 0.01
  this run: largest gap 0.052

The first line never changes, so a stored notebook can be compared with a fresh run (nbval does); the
second shows this run's numbers, and the test setup (``tests/nbval_sanitize.cfg``) masks everything after
``this run:``. A claim that does not hold raises :class:`ClaimNotMet` with the numbers.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

MEASURED_PREFIX = "this run:"
_TOLERANCE = 1e-3  # how far outside [0, 1] unit_images lets pixel values stray (float rounding)


class ClaimNotMet(AssertionError):
    """A teaching claim about a training run did not hold on this run."""


def claim(statement: str, holds: bool, measured: str = "") -> None:
    """Print ``✔ statement`` (and ``this run: measured``) when ``holds``; raise :class:`ClaimNotMet` otherwise."""
    if not holds:
        raise ClaimNotMet(
            f"expected {statement}, but this run gave {measured or 'otherwise'}. The notebook's claims hold on any "
            "machine with its settings; if you changed a setting above, this is what the change did."
        )
    print(f"✔ {statement}")
    if measured:
        print(f"  {MEASURED_PREFIX} {measured}")


def check_count(n: int, what: str = "the number of samples") -> None:
    """Raise unless ``n`` is a positive integer."""
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"{what} must be a positive integer, got {n!r}.")


def check_writable(path: Path, option: str = "--output") -> None:
    """Refuse, before any work, a file that could not be written after it: ``path`` is a folder, or its folder
    cannot be created (its parent is a file, ...) or takes no new files (a read-only disk, /proc, ...).

    Creates the folder when it is missing, and tries it by creating and deleting a file in it: asking
    ``os.access`` is not enough, since it says yes to root everywhere, /proc included. ``option`` is the
    command-line option that chose ``path``, named in the message.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = "a file is in the way" if isinstance(error, (FileExistsError, NotADirectoryError)) else error.strerror
        raise ValueError(f"cannot create the folder {folder} for {path} ({reason}): choose another {option}.") from error
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise ValueError(f"cannot write {path}: the folder {folder} takes no new files ({error.strerror}); choose "
                         f"another {option}, in a folder where you may write files.") from error
    if path.is_dir():
        raise ValueError(f"cannot write {path}: it is a folder; choose another {option}, the name of a file.")


def check_images(images: torch.Tensor, size: int = 28) -> torch.Tensor:
    """Accept a batch of one-channel images as ``(N, 1, size, size)``, ``(N, size, size)`` or ``(N, size*size)``.

    Returns them as ``(N, 1, size, size)``; anything else raises a ValueError that shows the shape received.
    """
    images = torch.as_tensor(images)
    n = images.shape[0] if images.ndim else 0
    if images.ndim == 2 and images.shape[1] == size * size:
        return images.reshape(n, 1, size, size)
    if images.ndim == 3 and images.shape[1:] == (size, size):
        return images.unsqueeze(1)
    if images.ndim == 4 and images.shape[1:] == (1, size, size):
        return images
    raise ValueError(
        f"expected a batch of {size}x{size} one-channel images, shaped (N, 1, {size}, {size}), (N, {size}, {size}) "
        f"or (N, {size * size}); got {tuple(images.shape)}."
    )


def check_latent(z: torch.Tensor, latent_dim: int) -> torch.Tensor:
    """Refuse latent codes of the wrong size, or holding NaN or infinity, with a message that says what to fix.

    Values are checked for codes on the CPU only: on a GPU, reading them back would make the host wait
    for the device at every step.
    """
    if z.ndim != 2 or z.shape[1] != latent_dim:
        raise ValueError(f"expected latent codes of shape (n, {latent_dim}), got {tuple(z.shape)}.")
    if z.device.type == "cpu" and z.is_floating_point() and not torch.isfinite(z).all():
        bad = int((~torch.isfinite(z)).any(dim=1).sum())
        raise ValueError(
            f"{bad} of the {z.shape[0]} latent codes contain NaN or infinity, which decode to meaningless images; "
            "check how the codes were computed (e.g. a division by a zero norm)."
        )
    return z


def check_labels(labels: torch.Tensor, n: int, n_classes: int) -> torch.Tensor:
    """Refuse anything but ``n`` integer class labels in ``0..n_classes - 1``, shaped ``(n,)``.

    The range is checked for labels on the CPU only: on a GPU, reading the values back would make the host
    wait for the device at every step (there an out-of-range label fails inside ``one_hot`` or the embedding).
    """
    labels = torch.as_tensor(labels)
    if labels.dtype.is_floating_point or labels.dtype.is_complex or labels.dtype == torch.bool:
        raise ValueError(
            f"labels must be an integer tensor (e.g. torch.long) of classes 0..{n_classes - 1}, got dtype {labels.dtype}."
        )
    if labels.shape != (n,):
        raise ValueError(f"expected one label per image, shape ({n},), got {tuple(labels.shape)}.")
    if n and labels.device.type == "cpu" and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must be in 0..{n_classes - 1}, got values from {int(labels.min())} to {int(labels.max())}.")
    return labels.long()


def unit_images(images: torch.Tensor) -> torch.Tensor:
    """Check a batch of 28×28 images with pixels in [0, 1] and return it shaped ``(N, 1, 28, 28)``, float32."""
    images = check_images(images).float()
    if images.shape[0] == 0:
        raise ValueError("got an empty batch of images; pass at least one.")
    low, high = images.min().item(), images.max().item()
    if not (low >= -_TOLERANCE and high <= 1 + _TOLERANCE):  # also catches NaN
        raise ValueError(
            f"images must have pixels in [0, 1], got values in [{low:.3g}, {high:.3g}]. "
            "Map tanh outputs in [-1, 1] with (x + 1) / 2 first."
        )
    return images


def check_symmetric_images(images: torch.Tensor) -> None:
    """Refuse anything but MNIST images shaped ``(N, 1, 28, 28)`` with values in [-1, 1]."""
    if images.ndim != 4 or images.shape[1:] != (1, 28, 28):
        raise ValueError(f"expected MNIST images shaped (N, 1, 28, 28), got {tuple(images.shape)}.")
    if images.min() < -1.001 or images.max() > 1.001 or images.min() >= 0:
        raise ValueError("a DCGAN trains on images in [-1, 1] (tanh output): load them with scale='symmetric'.")
