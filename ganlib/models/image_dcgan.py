"""The DCGAN of notebook 06 for your own images: 32×32 or 64×64 pixels, one channel or three.

The networks grow one block per doubling of the image size. With ``b = log2(size / 4)`` blocks (3 for 32
pixels, 4 for 64) and width ``w``:

* generator ``z → 2^(b-1)·w × 4×4 → … → w × size/2 → channels × size × size``: each block a 4×4 transposed
  convolution of stride 2, batch norm and ReLU, the last one a ``tanh``;
* discriminator, its mirror image: ``channels × size × size → w × size/2 → … → 2^(b-1)·w × 4×4 → 1 logit``,
  strided 4×4 convolutions with LeakyReLU(0.2), batch norm on every block but the first.

With ``size = 64``, ``channels = 3`` and ``w = 64`` these are the networks of Radford et al. (2016).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganlib.checks import check_latent
from ganlib.models.dcgan import _norm, dcgan_init
from ganlib.models.generator import Generator

IMAGE_SIZES = (32, 64)


def check_image_shape(image_size: int, channels: int) -> None:
    """Refuse, with the choices, an image size or a channel count these networks (and their data) do not have."""
    if image_size not in IMAGE_SIZES:
        raise ValueError(f"image size {image_size} is not supported: choose 32 or 64 (the DCGAN doubles its size per block).")
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}: use 1 (grey) or 3 (colour).")


def _blocks(image_size: int, channels: int) -> int:
    """Doublings from 4×4 to ``image_size`` (3 for 32, 4 for 64), after :func:`check_image_shape`."""
    check_image_shape(image_size, channels)
    return int(math.log2(image_size // 4))


class ImageDCGANGenerator(Generator):
    """``z`` → ``channels × image_size × image_size`` images, one transposed-convolution block per doubling."""

    def __init__(self, latent_dim: int = 100, width: int = 64, image_size: int = 64, channels: int = 3,
                 batchnorm: bool = True) -> None:
        super().__init__()
        self.latent_dim, self.image_size, self.channels = latent_dim, image_size, channels
        n, bias = _blocks(image_size, channels), not batchnorm
        widths = [width * 2 ** (n - 1 - k) for k in range(n)]  # 8w, 4w, 2w, w for 64 pixels
        layers: list[nn.Module] = [nn.ConvTranspose2d(latent_dim, widths[0], 4, 1, 0, bias=bias),  # 1 -> 4
                                   _norm(widths[0], batchnorm), nn.ReLU()]
        for wide, narrow in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose2d(wide, narrow, 4, 2, 1, bias=bias), _norm(narrow, batchnorm), nn.ReLU()]
        layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1), nn.Tanh()]  # the last doubling
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1], shape ``(n, channels, image_size, image_size)``."""
        return self.net(check_latent(z, self.latent_dim)[:, :, None, None])

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return (self(z) + 1) / 2


class ImageDCGANDiscriminator(nn.Module):
    """``channels × image_size × image_size`` → one logit, one strided-convolution block per halving."""

    def __init__(self, width: int = 64, image_size: int = 64, channels: int = 3, batchnorm: bool = True) -> None:
        super().__init__()
        self.image_size, self.channels = image_size, channels
        n, bias = _blocks(image_size, channels), not batchnorm
        widths = [width * 2**k for k in range(n)]  # w, 2w, 4w, 8w for 64 pixels
        layers: list[nn.Module] = [nn.Conv2d(channels, widths[0], 4, 2, 1), nn.LeakyReLU(0.2)]  # no batch norm here
        for narrow, wide in zip(widths, widths[1:]):
            layers += [nn.Conv2d(narrow, wide, 4, 2, 1, bias=bias), _norm(wide, batchnorm), nn.LeakyReLU(0.2)]
        layers += [nn.Conv2d(widths[-1], 1, 4, 1, 0)]  # 4 -> 1
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """One logit per image, shape ``(n,)``."""
        expected = (self.channels, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(f"expected a batch of images shaped (N, {', '.join(map(str, expected))}), got {tuple(x.shape)}: "
                             "load the data with the same --image-size and --channels as the model.")
        return self.net(x).flatten()
