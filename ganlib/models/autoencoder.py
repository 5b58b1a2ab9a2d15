r"""The autoencoder: squeeze an image through a small code and rebuild it.

:math:`z = f_\phi(x)` (encoder), :math:`\hat x = \sigma(g_\theta(z))` (decoder), trained to make
:math:`\hat x` close to :math:`x`. It learns a compressed description of the data, but nothing tells
it what codes of *new* images look like, so decoding random codes gives no digits: it is not a
generative model. The VAE fixes exactly that.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.checks import check_images, check_latent
from ganlib.models.coders import Architecture, make_decoder, make_encoder


class Autoencoder(nn.Module):
    def __init__(self, latent_dim: int = 16, arch: Architecture = "conv") -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = make_encoder(arch, latent_dim)
        self.decoder = make_decoder(arch, latent_dim)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1] for codes ``z``."""
        return torch.sigmoid(self.decoder(check_latent(z, self.latent_dim)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction *logits* of ``x`` (pair them with ``binary_cross_entropy_with_logits``)."""
        return self.decoder(self.encode(x))


def reconstruction_loss(x: torch.Tensor, x_logits: torch.Tensor) -> dict[str, torch.Tensor]:
    """Binary cross-entropy of an autoencoder's reconstruction, summed over pixels, averaged over the batch."""
    x = check_images(x)
    loss = F.binary_cross_entropy_with_logits(x_logits, x, reduction="none").flatten(1).sum(dim=1).mean()
    return {"loss": loss}
