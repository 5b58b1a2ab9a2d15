"""Small input checks shared by ganlib's modules, each failing with a message that names the fix."""

from __future__ import annotations

import torch


def check_count(n: int, what: str = "the number of samples") -> None:
    """Raise unless ``n`` is a positive integer."""
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"{what} must be a positive integer, got {n!r}.")


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
