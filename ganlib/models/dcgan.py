"""DCGAN (Radford, Metz & Chintala, 2016) for 28×28 one-channel images.

The paper's guidelines, each visible below:

* no pooling: the generator upsamples with transposed convolutions, the discriminator downsamples with
  strided convolutions, so both learn their own resampling;
* batch normalisation in both networks (except the generator's output and the discriminator's input);
* no fully connected hidden layers;
* ReLU in the generator with ``tanh`` at the output (data in [-1, 1]); LeakyReLU(0.2) in the discriminator;
* weights drawn from N(0, 0.02) (:func:`dcgan_init`), and Adam with learning rate 2e-4 and β1 = 0.5.

Shapes (width ``w``): generator ``z → 4w×7×7 → 2w×14×14 → 1×28×28``;
discriminator ``1×28×28 → w×14×14 → 2w×7×7 → 1 logit``.
The switches ``d_activation`` and ``batchnorm`` exist to break the guidelines on purpose (notebook 06's
failure lab).
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from ganlib.models.coders import check_latent
from ganlib.models.generator import Generator
from ganlib.validation import check_images


def dcgan_init(module: nn.Module) -> None:
    """N(0, 0.02) for convolution weights, N(1, 0.02) for batch-norm scales, zero biases."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def _norm(channels: int, batchnorm: bool) -> nn.Module:
    return nn.BatchNorm2d(channels) if batchnorm else nn.Identity()


class DCGANGenerator(Generator):
    def __init__(self, latent_dim: int = 64, width: int = 32, batchnorm: bool = True) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.net = nn.Sequential(
            nn.ConvTranspose2d(latent_dim, 4 * width, 7, 1, 0, bias=not batchnorm),  # 1 -> 7
            _norm(4 * width, batchnorm),
            nn.ReLU(),
            nn.ConvTranspose2d(4 * width, 2 * width, 4, 2, 1, bias=not batchnorm),  # 7 -> 14
            _norm(2 * width, batchnorm),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * width, 1, 4, 2, 1),  # 14 -> 28
            nn.Tanh(),
        )
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1], shape ``(n, 1, 28, 28)``."""
        return self.net(check_latent(z, self.latent_dim)[:, :, None, None])

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return (self(z) + 1) / 2


class DCGANDiscriminator(nn.Module):
    def __init__(self, width: int = 32, batchnorm: bool = True, d_activation: Literal["leaky", "relu"] = "leaky") -> None:
        super().__init__()
        if d_activation not in ("leaky", "relu"):
            raise ValueError(f"d_activation must be 'leaky' or 'relu', got {d_activation!r}.")

        def act() -> nn.Module:
            return nn.LeakyReLU(0.2) if d_activation == "leaky" else nn.ReLU()

        self.net = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1),  # 28 -> 14, no batch norm on the input layer
            act(),
            nn.Conv2d(width, 2 * width, 4, 2, 1, bias=not batchnorm),  # 14 -> 7
            _norm(2 * width, batchnorm),
            act(),
            nn.Conv2d(2 * width, 1, 7, 1, 0),  # 7 -> 1
        )
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """One logit per image, shape ``(n,)``."""
        return self.net(check_images(x)).flatten()
