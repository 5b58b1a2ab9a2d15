"""A LeNet-style classifier for MNIST: the course's second, independent judge of generated digits.

It is built unlike the evaluation network (:mod:`ganlib.models.classifier`) on purpose: 5×5 convolutions
with tanh and average pooling, no batch norm, after LeCun et al. (1998):

``1×28×28 → conv 5×5 (6, padded) → tanh → avg-pool 2 → conv 5×5 (16) → tanh → avg-pool 2 → 16·5·5
→ 120 → tanh → feature_dim → tanh``, then a linear layer to 10 logits. ``features(x)`` returns the
``feature_dim`` activations before that layer, bounded in (-1, 1).
"""

from __future__ import annotations

import torch
from torch import nn

from ganlib.checks import check_images


class LeNetClassifier(nn.Module):
    """``forward(x)`` gives the logits of the ten digits, ``features(x)`` the ``feature_dim`` penultimate ones.

    Args:
        feature_dim: size of the penultimate layer (84 in LeNet-5).
        dropout: dropout before the output layer, active in training mode only.
    """

    def __init__(self, feature_dim: int = 84, dropout: float = 0.2) -> None:
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Tanh(), nn.AvgPool2d(2),  # 28 -> 14
            nn.Conv2d(6, 16, kernel_size=5), nn.Tanh(), nn.AvgPool2d(2),  # 14 -> 10 -> 5
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Tanh(),
            nn.Linear(120, feature_dim), nn.Tanh(),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(feature_dim, 10))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate-layer features, shape ``(N, feature_dim)``."""
        return self.trunk(check_images(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of the ten digits, shape ``(N, 10)``."""
        return self.head(self.features(x))
