"""Accuracy of a classifier: the share of images whose most likely class is their label."""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of ``images`` whose most likely class under ``model`` is the label.

    The model runs in eval mode (no dropout or noise, batch-norm running statistics) on batches of 1,000,
    and is put back in the mode it was in.
    """
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"got {images.shape[0]} images but {labels.shape[0]} labels; give one label per image.")
    was_training = model.training
    model.eval()
    predictions = torch.cat([model(batch).argmax(dim=1) for batch in images.split(1000)])
    model.train(was_training)
    return (predictions == labels).float().mean().item()
