"""A small convolutional classifier for MNIST, the course's evaluation network.

Three blocks of ``3x3 convolution → batch norm → ReLU → 2x2 max-pool`` shrink the image
28 → 14 → 7 → 3 while the channels grow ``w → 2w → 4w``; a linear layer then maps the
``4w · 3 · 3`` numbers to ``feature_dim`` features, and a last linear layer to 10 logits.

The penultimate features are what ``ganlib.metrics`` compares between real and generated images
(a Fréchet distance on them is the MNIST analogue of the FID, which uses an Inception network).
"""

from __future__ import annotations

import torch
from torch import nn

from ganlib.checks import check_images


def _block(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
        nn.MaxPool2d(2),
    )


class MnistClassifier(nn.Module):
    """CNN for 28×28 one-channel images in [0, 1]: ``forward(x)`` gives logits, ``features(x)`` the
    ``feature_dim`` penultimate activations.

    Args:
        width: channels of the first convolution (then doubled twice).
        feature_dim: size of the penultimate layer.
        dropout: dropout before the output layer, active in training mode only.
    """

    def __init__(self, width: int = 32, feature_dim: int = 128, dropout: float = 0.3) -> None:
        super().__init__()
        self.trunk = nn.Sequential(
            _block(1, width),  # 28 -> 14
            _block(width, 2 * width),  # 14 -> 7
            _block(2 * width, 4 * width),  # 7 -> 3
            nn.Flatten(),
            nn.Linear(4 * width * 3 * 3, feature_dim),
            nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(feature_dim, 10))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate-layer features, shape ``(N, feature_dim)``."""
        return self.trunk(check_images(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of the ten digits, shape ``(N, 10)``."""
        return self.head(self.features(x))
