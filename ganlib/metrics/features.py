"""The evaluation classifier, and what it sees in a batch of images.

Generated digits are judged by a network trained on real ones: the pretrained ``mnist-classifier``
(``python -m ganlib train mnist-classifier``). It is loaded from disk once per device and kept.
"""

from __future__ import annotations

from functools import cache

import torch
from torch import nn

from ganlib.checkpoints import pretrained
from ganlib.checks import unit_images
from ganlib.device import get_device

BATCH = 500
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
