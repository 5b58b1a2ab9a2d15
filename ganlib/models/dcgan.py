"""DCGAN (Radford, Metz & Chintala, 2016) for 28×28 one-channel images.

The paper's guidelines, each visible below:

* no pooling: the generator upsamples with transposed convolutions, the discriminator downsamples with
  strided convolutions, so both learn their own resampling;
* batch normalisation in both networks (except the generator's output and the discriminator's input);
* no fully connected hidden layers;
* ReLU in the generator with ``tanh`` at the output (data in [-1, 1]); LeakyReLU(0.2) in the discriminator;
* weights drawn from N(0, 0.02) (:func:`dcgan_init`), and Adam with β1 = 0.5 (see ``ganlib.recipes.dcgan``).

Shapes (width ``w``): generator ``z → 8w×4×4 → 4w×7×7 → 2w×14×14 → 1×28×28``;
discriminator ``1×28×28 → w×14×14 → 2w×7×7 → 4w×4×4 → 1 logit``.
The switches ``d_activation`` and ``batchnorm`` exist to break the guidelines on purpose (notebook 06's
failure lab).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import torch
from torch import nn

from ganlib.checks import check_images, check_latent
from ganlib.models.generator import Generator


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
    """``z`` → ``8w×4×4`` → ``4w×7×7`` → ``2w×14×14`` → ``1×28×28`` with transposed convolutions.

    The first layer *projects* the code: a transposed convolution with a 4×4 kernel on a 1×1 input, i.e.
    a linear map to 16 positions. Each later layer doubles the side (4 → 7 with a 3×3 kernel, then 4×4
    kernels) and halves the channels, so the work per layer stays balanced.
    """

    def __init__(self, latent_dim: int = 64, width: int = 32, batchnorm: bool = True) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        w, bias = width, not batchnorm  # a bias right before batch norm would be cancelled by it
        self.net = nn.Sequential(
            nn.ConvTranspose2d(latent_dim, 8 * w, 4, 1, 0, bias=bias),  # 1 -> 4
            _norm(8 * w, batchnorm),
            nn.ReLU(),
            nn.ConvTranspose2d(8 * w, 4 * w, 3, 2, 1, bias=bias),  # 4 -> 7
            _norm(4 * w, batchnorm),
            nn.ReLU(),
            nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=bias),  # 7 -> 14
            _norm(2 * w, batchnorm),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * w, 1, 4, 2, 1),  # 14 -> 28, no batch norm on the output
            nn.Tanh(),
        )
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1], shape ``(n, 1, 28, 28)``."""
        return self.net(check_latent(z, self.latent_dim)[:, :, None, None])

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return (self(z) + 1) / 2


class DCGANDiscriminator(nn.Module):
    """``1×28×28`` → ``w×14×14`` → ``2w×7×7`` → ``4w×4×4`` → one logit, with strided convolutions.

    The mirror image of :class:`DCGANGenerator`; the last layer, a 4×4 convolution over the 4×4 map,
    weighs the whole image at once.
    """

    def __init__(self, width: int = 32, batchnorm: bool = True, d_activation: Literal["leaky", "relu"] = "leaky") -> None:
        super().__init__()
        if d_activation not in ("leaky", "relu"):
            raise ValueError(f"d_activation must be 'leaky' or 'relu', got {d_activation!r}.")

        def act() -> nn.Module:
            return nn.LeakyReLU(0.2) if d_activation == "leaky" else nn.ReLU()

        w, bias = width, not batchnorm
        self.net = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1),  # 28 -> 14, no batch norm on the input layer
            act(),
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=bias),  # 14 -> 7
            _norm(2 * w, batchnorm),
            act(),
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1, bias=bias),  # 7 -> 4
            _norm(4 * w, batchnorm),
            act(),
            nn.Conv2d(4 * w, 1, 4, 1, 0),  # 4 -> 1
        )
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """One logit per image, shape ``(n,)``."""
        return self.net(check_images(x)).flatten()


class LayerTrace(NamedTuple):
    """What one layer hands on: its name, the shape of its output (without the batch) and the output's std."""

    layer: str
    shape: tuple[int, ...]
    std: float


@torch.no_grad()
def trace_layers(model: DCGANGenerator | DCGANDiscriminator, inputs: torch.Tensor) -> list[LayerTrace]:
    """Follow a batch through ``model.net`` layer by layer: the shape and spread of every intermediate signal.

    ``inputs`` are latent codes ``(n, latent_dim)`` for a generator and images for a discriminator. The
    model runs in training mode, as during training (batch normalisation uses the batch's statistics),
    and is put back in the mode it was in.
    """
    if isinstance(model, DCGANGenerator):
        x = check_latent(inputs, model.latent_dim)[:, :, None, None]
    else:
        x = check_images(inputs)
    was_training = model.training
    model.train()
    traces = []
    for layer in model.net:
        x = layer(x)
        traces.append(LayerTrace(type(layer).__name__, tuple(x.shape[1:]), x.std().item()))
    model.train(was_training)
    return traces
