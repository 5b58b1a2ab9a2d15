"""Fully connected generator and discriminator, for 1-D and 2-D toy data and for flattened 28×28 images.

For images the generator ends in ``tanh`` (train on data scaled to [-1, 1]) and ``decode`` maps its
output back to [0, 1]; for toy data it ends with a plain linear layer and ``decode`` returns points.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ganlib.checks import check_latent
from ganlib.models.generator import Generator

IMAGE_DIM = 28 * 28


def _hidden_layers(
    in_dim: int, hidden: int, depth: int, activation: Callable[[], nn.Module], batchnorm: bool = False
) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(in_dim if i == 0 else hidden, hidden)]
        layers += [nn.BatchNorm1d(hidden), activation()] if batchnorm else [activation()]
    return layers


class MLPGenerator(Generator):
    """``z`` (``latent_dim``) → ``depth`` hidden ReLU layers of ``hidden`` units → ``data_dim`` outputs.

    With ``data_dim = 784`` the output is a tanh image, shaped ``(n, 1, 28, 28)``. ``batchnorm`` normalises
    each hidden layer over the batch before its ReLU (as DCGAN does), which keeps an image generator from
    collapsing early in training.
    """

    def __init__(
        self, latent_dim: int = 2, data_dim: int = 2, hidden: int = 128, depth: int = 3, batchnorm: bool = False
    ) -> None:
        super().__init__()
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}.")
        self.latent_dim, self.data_dim = latent_dim, data_dim
        self.is_image = data_dim == IMAGE_DIM
        layers = _hidden_layers(latent_dim, hidden, depth, nn.ReLU, batchnorm) + [nn.Linear(hidden, data_dim)]
        if self.is_image:
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = self.net(check_latent(z, self.latent_dim))
        return out.view(-1, 1, 28, 28) if self.is_image else out

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1] (for image generators) or points (for toy data)."""
        out = self(z)
        return (out + 1) / 2 if self.is_image else out


class MLPDiscriminator(nn.Module):
    """``data_dim`` inputs → ``depth`` hidden LeakyReLU(0.2) layers → one logit per sample, shape ``(n,)``.

    ``dropout`` > 0 adds dropout after each hidden layer, as in the original GAN's discriminator: it keeps a
    discriminator from memorising a small training set.
    """

    def __init__(self, data_dim: int = 2, hidden: int = 128, depth: int = 3, dropout: float = 0.0) -> None:
        super().__init__()
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}.")
        self.data_dim = data_dim
        activation = (lambda: nn.Sequential(nn.LeakyReLU(0.2), nn.Dropout(dropout))) if dropout else (lambda: nn.LeakyReLU(0.2))
        self.net = nn.Sequential(*_hidden_layers(data_dim, hidden, depth, activation), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        if x.shape[1] != self.data_dim:
            raise ValueError(f"this discriminator takes inputs of {self.data_dim} values per sample, got {x.shape[1]}.")
        return self.net(x).squeeze(1)
