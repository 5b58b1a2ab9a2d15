r"""Is the generator copying its training set?

A sample :math:`x` is a *near-copy* when its nearest training image, in pixel space, is closer than
almost any two distinct real digits ever are:

.. math:: \min_j \lVert x - t_j \rVert_2 < \tau,
          \qquad \tau = \text{1st percentile of } \min_{j \ne i} \lVert t_i - t_j \rVert_2 ,

the distances from each training image to its nearest *other* training image. By construction about 1%
of fresh real digits fall under :math:`\tau`, and every training image does (its distance to itself is 0).
"""

from __future__ import annotations

import torch

from ganlib.checks import unit_images
from ganlib.metrics.neighbours import kth_neighbour_distance, nearest_distance

PERCENTILE = 1.0


def memorisation(samples: torch.Tensor, train: torch.Tensor) -> float:
    """Share of ``samples`` that are near-copies of a ``train`` image (both images in [0, 1])."""
    samples = unit_images(samples).flatten(1)
    train = unit_images(train).flatten(1).to(samples.device)
    if train.shape[0] < 2:
        raise ValueError("memorisation needs at least two training images, to measure real-vs-real distances.")
    threshold = torch.quantile(kth_neighbour_distance(train, 1), PERCENTILE / 100)
    return (nearest_distance(samples, train) < threshold).double().mean().item()
