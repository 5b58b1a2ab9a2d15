"""Nearest-neighbour distances, computed a block of rows at a time.

A full distance matrix between 10,000 and 60,000 points would not fit in memory; ``BLOCK`` rows of it
at a time always do. Distances are Euclidean, on the device of the tensors.
"""

from __future__ import annotations

import torch

BLOCK = 512


def nearest_distance(points: torch.Tensor, others: torch.Tensor) -> torch.Tensor:
    """For each row of ``points``, the distance to its nearest row of ``others``: ``(n,)``."""
    return torch.cat([torch.cdist(block, others).min(dim=1).values for block in points.split(BLOCK)])


def kth_neighbour_distance(points: torch.Tensor, k: int) -> torch.Tensor:
    """For each row, the distance to its ``k``-th nearest *other* row of ``points`` (itself, at 0, is skipped)."""
    if not 1 <= k < points.shape[0]:
        raise ValueError(f"k must be between 1 and the number of points minus one ({points.shape[0] - 1}), got {k}.")
    return torch.cat([torch.cdist(block, points).kthvalue(k + 1, dim=1).values for block in points.split(BLOCK)])


def inside_any_ball(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> torch.Tensor:
    """For each row of ``points``, whether it lies within ``radii[j]`` of some ``centres[j]``: booleans ``(n,)``."""
    return torch.cat([(torch.cdist(block, centres) <= radii).any(dim=1) for block in points.split(BLOCK)])
