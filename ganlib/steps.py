"""Step functions for :func:`ganlib.train.train`: what one update of each kind of model does.

A step function takes a mini-batch and a :class:`ganlib.train.Precision`, updates its networks, and
returns the losses it wants logged, as tensors (not floats: reading a value back would make the host
wait for the device at every step).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.train import Batch, Precision, StepFunction


def classifier_step(model: nn.Module, optimizer: torch.optim.Optimizer) -> StepFunction:
    """Cross-entropy on ``(images, labels)`` batches; logs the loss and the batch accuracy."""

    def step(batch: Batch, precision: Precision) -> dict[str, torch.Tensor]:
        images, labels = batch
        with precision.autocast():
            logits = model(images)
            loss = F.cross_entropy(logits, labels)
        precision.minimise(loss, optimizer)
        return {"loss": loss, "accuracy": (logits.argmax(dim=1) == labels).float().mean()}

    return step


def loss_step(loss_fn: Callable[[Batch], dict[str, torch.Tensor]], optimizer: torch.optim.Optimizer) -> StepFunction:
    """Minimise ``loss_fn(batch)["loss"]`` with one optimiser; every entry of the dict is logged."""

    def step(batch: Batch, precision: Precision) -> dict[str, torch.Tensor]:
        with precision.autocast():
            losses = loss_fn(batch)
        precision.minimise(losses["loss"], optimizer)
        return losses

    return step
