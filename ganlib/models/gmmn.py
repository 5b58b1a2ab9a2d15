r"""Generative moment matching networks (Li, Swersky & Zemel 2015; Dziugaite, Roy & Ghahramani 2015).

A GMMN is a plain generator :math:`x = G_\theta(z)`, :math:`z \sim \mathcal N(0, I)`, with no encoder,
no discriminator and no density. It is trained by sampling a batch :math:`x_{1:m}` from it and a batch
:math:`y_{1:n}` of data, and descending on their multi-bandwidth MMD² (``ganlib.mmd.mmd2``):
every generated point is pulled towards data points and pushed away from the other generated points,
with forces that fade over the length scales of the bandwidths.

* :class:`GMMN`: an MLP from noise to points, images or codes, whatever ``output_shape`` says.
* :class:`CodeSpaceGMMN` (GMMN+AE): a GMMN that generates the *codes* of an autoencoder, followed by the
  autoencoder's decoder. Codes are far fewer numbers than pixels and lie on a simpler distribution, so
  the kernel comparison works much better there.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ganlib.checks import check_latent
from ganlib.mmd import mmd2
from ganlib.models.coders import Architecture, make_decoder
from ganlib.models.generator import Generator
from ganlib.train import Batch, Step, loss_step

_OUTPUTS = ("identity", "sigmoid")


class GMMN(Generator):
    """MLP generator ``z → x``: Linear–ReLU layers of sizes ``hidden``, then a linear layer to ``output_shape``.

    Args:
        latent_dim: size of the noise ``z``.
        output_shape: shape of one sample, e.g. ``[2]`` for points in the plane or ``[1, 28, 28]`` for images.
        hidden: widths of the hidden layers.
        output: ``"identity"`` for unbounded values, ``"sigmoid"`` for pixel intensities in [0, 1].
    """

    def __init__(
        self,
        latent_dim: int = 8,
        output_shape: Sequence[int] = (2,),
        hidden: Sequence[int] = (128, 128),
        output: str = "identity",
    ) -> None:
        super().__init__()
        if output not in _OUTPUTS:
            raise ValueError(f"unknown output {output!r}; use 'identity' (any values) or 'sigmoid' (values in [0, 1]).")
        self.latent_dim = latent_dim
        self.output_shape = tuple(output_shape)
        self.output = output
        sizes = [latent_dim, *hidden]
        layers: list[nn.Module] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], int(torch.Size(self.output_shape).numel())))
        self.net = nn.Sequential(*layers)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Samples for the noise ``z``, shape ``(n, *output_shape)``; differentiable (use it for training)."""
        out = self.net(check_latent(z, self.latent_dim))
        out = torch.sigmoid(out) if self.output == "sigmoid" else out
        return out.reshape(-1, *self.output_shape)


class CodeSpaceGMMN(Generator):
    r"""GMMN+AE: noise → code (a :class:`GMMN`) → image (an autoencoder's decoder, ``sigmoid`` of its logits).

    The code GMMN is trained on *standardised* codes :math:`(c - \mu) / \sigma` of the training images (one
    bandwidth then suits every dimension); :meth:`decode` undoes the standardisation before decoding.
    The mean and scale are buffers, saved in the checkpoint with the weights.

    Args:
        latent_dim: noise size of the code GMMN.
        code_dim: size of the autoencoder's code.
        hidden: hidden widths of the code GMMN.
        arch: architecture of the decoder, ``"mlp"`` or ``"conv"`` (as in ``ganlib.models.coders``).
    """

    def __init__(
        self, latent_dim: int = 16, code_dim: int = 32, hidden: Sequence[int] = (256, 256), arch: Architecture = "conv"
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.code_dim = code_dim
        self.code_generator = GMMN(latent_dim, [code_dim], hidden)
        self.decoder = make_decoder(arch, code_dim)
        self.register_buffer("code_mean", torch.zeros(code_dim))
        self.register_buffer("code_scale", torch.ones(code_dim))

    def set_code_statistics(self, codes: torch.Tensor) -> None:
        """Remember the mean and standard deviation of the autoencoder's codes of the training images."""
        self.code_mean.copy_(codes.mean(0))
        self.code_scale.copy_(codes.std(0).clamp_min(1e-6))

    def standardise(self, codes: torch.Tensor) -> torch.Tensor:
        """Codes as the code GMMN sees them: zero mean, unit variance per dimension."""
        return (codes - self.code_mean) / self.code_scale

    def codes(self, z: torch.Tensor) -> torch.Tensor:
        """Autoencoder codes for the noise ``z`` (in the autoencoder's own units)."""
        return self.code_generator.decode(z) * self.code_scale + self.code_mean

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1], shape ``(n, 1, 28, 28)``."""
        return torch.sigmoid(self.decoder(self.codes(z)))


def gmmn_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    bandwidths: float | Sequence[float],
    kernel: str = "gaussian",
    estimator: str = "unbiased",
    schedule: torch.optim.lr_scheduler.LRScheduler | None = None,
) -> Step:
    r"""The GMMN's training step: minimise :math:`\widehat{\mathrm{MMD}}^2` (:func:`ganlib.mmd.mmd2`) between the data
    batch ``batch[0]`` and as many fresh samples of the generator ``model``; ``schedule`` advances after each update.

    There is no adversary: the kernel's fixed features compare the two samples, so one loss and one optimiser
    suffice, as for any model trained by :func:`ganlib.train.loss_step`.
    """

    def loss(batch: Batch) -> dict[str, torch.Tensor]:
        data = batch[0]
        fake = model.decode(model.sample_latent(data.shape[0]))
        return {"loss": mmd2(fake, data, bandwidths, kernel, estimator)}

    return loss_step(loss, optimizer, schedule)
