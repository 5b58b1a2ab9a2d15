"""A GAN ready to train: an MLP generator, an MLP discriminator and an optimiser (Adam or RMSprop) for each.

Notebook 05 and the ``gan-*`` recipes build every GAN the same way, so a setting changed in one place is
the setting used everywhere. Training goes through the one engine, :func:`ganlib.train.train`:

>>> gan = mlp_gan(data_dim=2, latent_dim=2)
>>> history = train(gan.step(), batches, gan.models, gan.optimizers, steps=2000)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ganlib.models.mlp_gan import MLPDiscriminator, MLPGenerator
from ganlib.steps import gan_step, with_schedule
from ganlib.train import StepFunction

OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {"adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop}


@dataclass
class GAN:
    """The two players and their optimisers; ``pack`` samples are judged together (PacGAN, 1 = plain GAN)."""

    generator: MLPGenerator
    discriminator: MLPDiscriminator
    g_optimizer: torch.optim.Optimizer
    d_optimizer: torch.optim.Optimizer
    pack: int = 1

    @property
    def models(self) -> dict[str, torch.nn.Module]:
        return {"generator": self.generator, "discriminator": self.discriminator}

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.g_optimizer, "discriminator": self.d_optimizer}

    def step(
        self,
        loss: str = "nonsaturating",
        d_steps: int = 1,
        decay_over: int | None = None,
        clip: float = 0.01,
        gp_weight: float = 10.0,
    ) -> StepFunction:
        r"""The engine's GAN step (``ganlib.steps.gan_step``) for these networks; ``clip`` bounds the critic's
        weights with ``loss="wgan-clip"``, ``gp_weight`` is λ of the gradient penalty with ``loss="wgan-gp"``.

        With ``decay_over = T``, both learning rates decay linearly from their initial value to 0 over the first
        ``T`` calls, :math:`\eta_t = \eta_0 \max(0, 1 - t / T)`: late updates become small, and the samples
        settle instead of jittering around the modes.
        """
        step = gan_step(
            self.generator, self.discriminator, self.g_optimizer, self.d_optimizer, loss, d_steps, gp_weight, self.pack, clip
        )
        if decay_over is None:
            return step
        if decay_over < 1:
            raise ValueError(f"decay_over must be a positive number of steps, got {decay_over}.")
        for optimizer in (self.g_optimizer, self.d_optimizer):
            schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda done: max(0.0, 1 - done / decay_over))
            step = with_schedule(step, schedule)
        return step


def mlp_gan(
    data_dim: int,
    latent_dim: int = 2,
    hidden: int = 128,
    depth: int = 3,
    d_hidden: int | None = None,
    d_depth: int | None = None,
    lr: float = 2e-4,
    d_lr: float | None = None,
    betas: tuple[float, float] = (0.5, 0.999),
    pack: int = 1,
    batchnorm: bool = False,
    dropout: float = 0.0,
    optimizer: str = "adam",
    device: torch.device | str | None = None,
) -> GAN:
    """Build an MLP GAN for ``data_dim``-D data (784 for MNIST images in [-1, 1]).

    The discriminator has ``d_hidden`` units in ``d_depth`` layers (default: as the generator), takes
    ``pack · data_dim`` inputs and applies ``dropout`` after each hidden layer; ``batchnorm`` normalises the
    generator's hidden layers. Both optimisers are ``optimizer``: ``"adam"`` with ``betas`` (β1 = 0.5, as in
    DCGAN), or ``"rmsprop"`` (no momentum, as the original WGAN uses with weight clipping), with learning
    rates ``lr`` and ``d_lr`` (default: ``lr``).
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}.")
    generator = MLPGenerator(latent_dim, data_dim, hidden, depth, batchnorm).to(device or "cpu")
    discriminator = MLPDiscriminator(pack * data_dim, d_hidden or hidden, d_depth or depth, dropout).to(device or "cpu")
    options = {"betas": betas} if optimizer == "adam" else {}
    g_optimizer = OPTIMIZERS[optimizer](generator.parameters(), lr=lr, **options)
    d_optimizer = OPTIMIZERS[optimizer](discriminator.parameters(), lr=d_lr or lr, **options)
    return GAN(generator, discriminator, g_optimizer, d_optimizer, pack)
