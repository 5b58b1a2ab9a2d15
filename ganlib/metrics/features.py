"""The classifiers that judge generated digits, and what they see in a batch of images.

Generated digits are judged by a network trained on real ones. The course's evaluation network is the
pretrained ``mnist-classifier`` (``python -m ganlib train mnist-classifier``); ``network`` names another
pretrained classifier instead, such as the independent ``judge-classifier`` (another architecture, trained on
digits that no correction of a generator uses; see ``ganlib.recipes.classifier``). Each is loaded from disk once
per device and kept.
"""

from __future__ import annotations

from functools import cache

import torch
from torch import nn

from ganlib.checkpoints import pretrained
from ganlib.checks import unit_images
from ganlib.device import get_device

BATCH = 500
EVALUATION = "mnist-classifier"
CLASSIFIERS = ("mnist-classifier", "judge-classifier", "ratio-classifier")


@cache
def _classifier(name: str, device: torch.device) -> nn.Module:
    return pretrained(name, device)


def evaluation_classifier(device: torch.device | str | None = None, network: str = EVALUATION) -> nn.Module:
    """The pretrained classifier ``network`` (default the evaluation network) in eval mode on ``device`` (default
    ``get_device()``), loaded once."""
    if network not in CLASSIFIERS:
        raise ValueError(f"unknown classifier {network!r}; choose one of {', '.join(CLASSIFIERS)}.")
    return _classifier(network, torch.device(device) if device is not None else get_device())


@torch.no_grad()
def classifier_features(images: torch.Tensor, network: str = EVALUATION) -> torch.Tensor:
    """Penultimate-layer features of the classifier ``network``, ``(N, d)`` (d = 128 for the evaluation network,
    84 for the judge), on the images' device."""
    images = unit_images(images)
    model = evaluation_classifier(images.device, network)
    return torch.cat([model.features(batch) for batch in images.split(BATCH)])


@torch.no_grad()
def classifier_probabilities(images: torch.Tensor, network: str = EVALUATION) -> torch.Tensor:
    r"""Class probabilities :math:`\mathrm{softmax}(\text{logits})` of the classifier ``network``, ``(N, 10)``."""
    images = unit_images(images)
    model = evaluation_classifier(images.device, network)
    return torch.cat([model(batch).softmax(dim=1) for batch in images.split(BATCH)])
