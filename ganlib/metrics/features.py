"""The evaluation classifier, and what it sees in a batch of images.

Generated digits are judged by a network trained on real ones: the pretrained ``mnist-classifier``
(``python -m ganlib train mnist-classifier``). It is loaded from disk once per device and kept.
"""

from __future__ import annotations

from functools import cache

import torch
from torch import nn

from ganlib.checkpoints import pretrained
from ganlib.device import get_device
from ganlib.validation import check_images

BATCH = 500
_TOLERANCE = 1e-3


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


@cache
def _classifier(device: torch.device) -> nn.Module:
    return pretrained("mnist-classifier", device)


def evaluation_classifier(device: torch.device | str | None = None) -> nn.Module:
    """The pretrained ``mnist-classifier`` in eval mode on ``device`` (default ``get_device()``), loaded once."""
    return _classifier(torch.device(device) if device is not None else get_device())


@torch.no_grad()
def classifier_features(images: torch.Tensor) -> torch.Tensor:
    """Penultimate-layer features of the evaluation classifier, ``(N, 128)``, on the images' device."""
    images = unit_images(images)
    model = evaluation_classifier(images.device)
    return torch.cat([model.features(batch) for batch in images.split(BATCH)])


@torch.no_grad()
def classifier_probabilities(images: torch.Tensor) -> torch.Tensor:
    r"""Class probabilities :math:`\mathrm{softmax}(\text{logits})` of the evaluation classifier, ``(N, 10)``."""
    images = unit_images(images)
    model = evaluation_classifier(images.device)
    return torch.cat([model(batch).softmax(dim=1) for batch in images.split(BATCH)])
