r"""Recipe ``dcgan-mnist``, and the DCGAN training run that notebook 06 builds on.

The reference settings of Radford, Metz & Chintala (2016), :class:`DCGANSettings`'s defaults:
images scaled to [-1, 1] (the generator ends in ``tanh``), mini-batches of 128, weights drawn from
N(0, 0.02) (done by the models), LeakyReLU(0.2) in the discriminator, batch normalisation in both
networks, and Adam with learning rate :math:`2 \cdot 10^{-4}` and :math:`\beta_1 = 0.5`. The game is the
non-saturating one: D minimises :math:`-\log D(x) - \log(1 - D(G(z)))`, G minimises :math:`-\log D(G(z))`.

:func:`train_dcgan` trains one pair with :func:`ganlib.train.train` and the GAN step of
:func:`ganlib.steps.gan_step`; a setting changed away from its default is how the failure lab of
notebook 06 breaks training on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn

from ganlib.checkpoints import save_checkpoint
from ganlib.data import BatchIterator, load_mnist
from ganlib.device import seed_everything
from ganlib.models.dcgan import DCGANDiscriminator, DCGANGenerator
from ganlib.models.generator import Generator
from ganlib.recipes.recipe import Recipe
from ganlib.steps import gan_step, with_schedule
from ganlib.train import History, StepFunction, train


@dataclass(frozen=True)
class DCGANSettings:
    """Everything that defines a DCGAN run except its length. The defaults are the paper's."""

    width: int = 32
    latent_dim: int = 64
    batchnorm: bool = True
    d_activation: Literal["leaky", "relu"] = "leaky"
    lr: float = 2e-4
    beta1: float = 0.5
    batch_size: int = 128
    lr_decay: bool = False  # decay both learning rates linearly to 0 over the run (needs a step budget)

    def generator_config(self) -> dict[str, Any]:
        return {"latent_dim": self.latent_dim, "width": self.width, "batchnorm": self.batchnorm}

    def discriminator_config(self) -> dict[str, Any]:
        return {"width": self.width, "batchnorm": self.batchnorm, "d_activation": self.d_activation}

    def changed(self, **changes: Any) -> DCGANSettings:
        """A copy with some settings changed, e.g. ``settings.changed(beta1=0.9)``."""
        unknown = set(changes) - set(asdict(self))
        if unknown:
            raise ValueError(f"unknown DCGAN settings {sorted(unknown)}; known: {', '.join(asdict(self))}.")
        return replace(self, **changes)


@dataclass
class DCGANRun:
    """A trained pair, its optimisers, and the history of its training (``history["snapshots"]``: the
    fixed-noise images)."""

    settings: DCGANSettings
    generator: DCGANGenerator
    discriminator: DCGANDiscriminator
    optimizers: dict[str, torch.optim.Adam]
    history: History


def eval_snapshot(generator: Generator, *inputs: torch.Tensor) -> Callable[[], torch.Tensor]:
    """A snapshot function for :func:`ganlib.train.train`: ``generator.decode(*inputs)`` in eval mode (the
    inputs are fixed codes, and for a conditional generator their labels).

    Eval mode makes batch normalisation use its running statistics, so the snapshot neither depends on
    which codes are in the batch nor disturbs those statistics; training mode is restored afterwards.
    """

    def snapshot() -> torch.Tensor:
        was_training = generator.training
        generator.eval()
        images = generator.decode(*inputs)
        generator.train(was_training)
        return images

    return snapshot


def check_symmetric_images(images: torch.Tensor) -> None:
    """Refuse anything but MNIST images shaped ``(N, 1, 28, 28)`` with values in [-1, 1]."""
    if images.ndim != 4 or images.shape[1:] != (1, 28, 28):
        raise ValueError(f"expected MNIST images shaped (N, 1, 28, 28), got {tuple(images.shape)}.")
    if images.min() < -1.001 or images.max() > 1.001 or images.min() >= 0:
        raise ValueError("a DCGAN trains on images in [-1, 1] (tanh output): load them with scale='symmetric'.")


def adam_pair(generator: nn.Module, discriminator: nn.Module, lr: float, beta1: float) -> dict[str, torch.optim.Adam]:
    """An Adam optimiser for each player, with the DCGAN paper's :math:`(\beta_1, 0.999)`."""
    betas = (beta1, 0.999)
    return {
        "generator": torch.optim.Adam(generator.parameters(), lr=lr, betas=betas),
        "discriminator": torch.optim.Adam(discriminator.parameters(), lr=lr, betas=betas),
    }


def decaying_to_zero(step: StepFunction, optimizers: dict[str, torch.optim.Adam], steps: int) -> StepFunction:
    """``step`` with every learning rate decaying linearly from its initial value to 0 at step ``steps``."""
    for optimizer in optimizers.values():
        step = with_schedule(step, torch.optim.lr_scheduler.LinearLR(optimizer, 1.0, 0.0, total_iters=steps))
    return step


def train_dcgan(
    settings: DCGANSettings,
    images: torch.Tensor,
    *,
    steps: int | None = None,
    minutes: float | None = None,
    seed: int = 0,
    snapshot_codes: torch.Tensor | None = None,
    snapshot_every: int | None = None,
    amp: bool = False,
    channels_last: bool = False,
    progress: bool = True,
    description: str = "dcgan",
) -> DCGANRun:
    """Train a DCGAN from scratch on ``images`` (in [-1, 1], already on the training device).

    Args:
        settings: architecture and optimiser (see :class:`DCGANSettings`).
        steps, minutes: the budget (at least one); a step is one D update and one G update.
        seed: seeds the initial weights, the noise and the order of the mini-batches.
        snapshot_codes: fixed latent codes whose images are kept every ``snapshot_every`` steps.
        amp, channels_last: mixed precision and channels-last memory on CUDA (ignored elsewhere).

    Returns:
        the networks (in eval mode) and the history of :func:`ganlib.train.train`.
    """
    check_symmetric_images(images)
    if settings.lr_decay and steps is None:
        raise ValueError("lr_decay=True decays the learning rates to 0 at the last step: give steps=....")
    order = seed_everything(seed)
    device = images.device
    generator = DCGANGenerator(**settings.generator_config()).to(device)
    discriminator = DCGANDiscriminator(**settings.discriminator_config()).to(device)
    optimizers = adam_pair(generator, discriminator, settings.lr, settings.beta1)
    snapshot = None if snapshot_codes is None else eval_snapshot(generator, snapshot_codes.to(device))
    step = gan_step(generator, discriminator, optimizers["generator"], optimizers["discriminator"], loss="nonsaturating")
    if settings.lr_decay:
        step = decaying_to_zero(step, optimizers, steps)
    history = train(
        step,
        BatchIterator(images, batch_size=settings.batch_size, generator=order),
        {"generator": generator, "discriminator": discriminator},
        optimizers,
        steps=steps,
        minutes=minutes,
        snapshot=snapshot,
        snapshot_every=snapshot_every,
        amp=amp,
        channels_last=channels_last,
        progress=progress,
        description=description,
    )
    return DCGANRun(settings, generator, discriminator, optimizers, history)


PRETRAINED = DCGANSettings(width=32, lr_decay=True)
PRETRAINED_STEPS = 48_000


def train_pretrained(output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train ``dcgan-mnist`` on the MNIST subset's train split and save its generator with its scores.

    The learning rates decay to 0 over ``PRETRAINED_STEPS`` steps (about an hour on two CPU cores); with a budget
    in ``minutes`` instead, the number of steps is unknown in advance and the rates stay constant. The samples
    keep improving with longer runs: 79.9% confident after 12,000 steps, 88.2% after 48,000.
    """
    from ganlib.metrics import evaluate

    images, _ = load_mnist("train", source="subset", scale="symmetric", device=device)
    settings = PRETRAINED if minutes is None else PRETRAINED.changed(lr_decay=False)
    budget = {"minutes": minutes} if minutes is not None else {"steps": PRETRAINED_STEPS}
    run = train_dcgan(settings, images, description="dcgan-mnist", amp=True, channels_last=True, **budget)
    steps = run.history["step"][-1]
    generator = run.generator.cpu()
    scores = evaluate(generator, n=1000)
    decay = "decaying linearly to 0" if settings.lr_decay else "constant"
    return save_checkpoint(
        output,
        generator,
        settings.generator_config(),
        data=f"MNIST subset, train split (4,500 images); width {settings.width}, batches of {settings.batch_size}, "
        f"Adam lr {settings.lr:g} {decay}, {steps:,} steps",
        command="python -m ganlib train dcgan-mnist",
        metrics={"steps": float(steps), **{k: scores[k] for k in ("confident", "class_entropy", "frechet_ratio", "memorisation")}},
    )


RECIPES = (Recipe("dcgan-mnist", "DCGAN generator (Radford et al. settings), 64-D latent", train_pretrained),)
