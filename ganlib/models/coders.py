"""Encoders (image → vector) and decoders (vector → image logits) for 28×28 one-channel images.

Two flavours of each, so a notebook can compare them:

* MLP: flatten the 784 pixels and use fully connected layers, ``784 → 512 → 256``.
* Convolutional: strided convolutions halve the image twice, ``28 → 14 → 7``, and transposed
  convolutions double it back. They share weights across positions, so they need far fewer parameters
  and learn strokes wherever they occur.

Decoders return *logits*: apply ``torch.sigmoid`` for pixel intensities in [0, 1].
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from ganlib.checks import check_images

Architecture = Literal["mlp", "conv"]


class MLPEncoder(nn.Module):
    def __init__(self, out_features: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, out_features)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(check_images(x))


class MLPDecoder(nn.Module):
    def __init__(self, latent_dim: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 784)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, 1, 28, 28)


class ConvEncoder(nn.Module):
    def __init__(self, out_features: int, width: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 4, stride=2, padding=1),  # 28 -> 14
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1),  # 14 -> 7
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(2 * width * 7 * 7, out_features),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(check_images(x))


class ConvDecoder(nn.Module):
    def __init__(self, latent_dim: int, width: int = 32) -> None:
        super().__init__()
        self.width = width
        self.project = nn.Sequential(nn.Linear(latent_dim, 2 * width * 7 * 7), nn.ReLU())
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),  # 7 -> 14
            nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1),  # 14 -> 28
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.project(z).view(-1, 2 * self.width, 7, 7))


def make_encoder(arch: Architecture, out_features: int, width: int = 32) -> nn.Module:
    """An encoder of the given architecture, ``"mlp"`` or ``"conv"`` (``width`` = first conv's channels)."""
    _check_arch(arch)
    return MLPEncoder(out_features) if arch == "mlp" else ConvEncoder(out_features, width)


def make_decoder(arch: Architecture, latent_dim: int, width: int = 32) -> nn.Module:
    """A decoder of the given architecture, ``"mlp"`` or ``"conv"`` (``width`` = last conv's channels)."""
    _check_arch(arch)
    return MLPDecoder(latent_dim) if arch == "mlp" else ConvDecoder(latent_dim, width)


def _check_arch(arch: str) -> None:
    if arch not in ("mlp", "conv"):
        raise ValueError(f"unknown architecture {arch!r}; use 'mlp' or 'conv'.")


