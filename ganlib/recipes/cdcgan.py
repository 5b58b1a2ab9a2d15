r"""Recipe ``cdcgan-mnist``: a class-conditional DCGAN, and the training run notebook 08 builds on.

The DCGAN settings of :mod:`ganlib.recipes.dcgan` (images in [-1, 1], batches of 128, Adam with learning
rate :math:`2 \cdot 10^{-4}` and :math:`\beta_1 = 0.5`, the non-saturating game), on ``(image, label)``
pairs, with the networks of :mod:`ganlib.models.conditional_dcgan` and the step
:class:`ganlib.gan.ConditionalGAN`. An auxiliary classification loss of weight ``aux_weight``
(AC-GAN) asks the generator for digits the discriminator's class head recognises.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from ganlib.checkpoints import save_checkpoint
from ganlib.checks import check_labels, check_symmetric_images
from ganlib.data.batches import BatchIterator
from ganlib.data.mnist import load_mnist
from ganlib.device import own_rng
from ganlib.gan import ConditionalGAN
from ganlib.models.conditional_dcgan import (
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
)
from ganlib.recipes.recipe import Recipe
from ganlib.train import History, train


@dataclass(frozen=True)
class CDCGANSettings:
    """Everything that defines a conditional DCGAN run except its length."""

    width: int = 32
    latent_dim: int = 64
    n_classes: int = 10
    lr: float = 2e-4
    beta1: float = 0.5
    batch_size: int = 128
    aux_weight: float = 1.0  # λ of the auxiliary classifier loss (0: a plain conditional GAN)
    lr_decay: bool = False  # decay both learning rates linearly to 0 over the run (needs a step budget)

    def generator_config(self) -> dict[str, Any]:
        return {"latent_dim": self.latent_dim, "width": self.width, "n_classes": self.n_classes}

    def discriminator_config(self) -> dict[str, Any]:
        return {"width": self.width, "n_classes": self.n_classes}


@dataclass
class CDCGANRun:
    """A trained pair and its history (``history["snapshots"]``: images of the fixed codes and labels)."""

    settings: CDCGANSettings
    generator: ConditionalDCGANGenerator
    discriminator: ConditionalDCGANDiscriminator
    history: History


def train_cdcgan(
    settings: CDCGANSettings,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    steps: int | None = None,
    minutes: float | None = None,
    seed: int = 0,
    snapshot_codes: tuple[torch.Tensor, torch.Tensor] | None = None,
    snapshot_every: int | None = None,
    amp: bool = False,
    channels_last: bool = False,
    progress: bool = True,
    description: str = "cdcgan",
) -> CDCGANRun:
    """Train a conditional DCGAN from scratch on ``images`` (in [-1, 1]) and their ``labels`` (same device).

    Args:
        settings: architecture, optimiser and auxiliary loss weight (see :class:`CDCGANSettings`).
        steps, minutes: the budget (at least one); a step is one D update and one G update.
        seed: seeds the initial weights, the noise and the order of the mini-batches (the caller's
            random numbers are left as they were: see :func:`ganlib.device.own_rng`).
        snapshot_codes: fixed ``(z, labels)`` whose images are kept every ``snapshot_every`` steps.
        amp, channels_last: mixed precision and channels-last memory (see :func:`ganlib.train.train`).

    Returns:
        the networks (in eval mode) and the history of :func:`ganlib.train.train`.
    """
    check_symmetric_images(images)
    labels = check_labels(labels, images.shape[0], settings.n_classes)
    if settings.lr_decay and steps is None:
        raise ValueError("lr_decay=True decays the learning rates to 0 at the last step: give steps=....")
    device = images.device
    with own_rng(seed, device):
        generator = ConditionalDCGANGenerator(**settings.generator_config()).to(device)
        discriminator = ConditionalDCGANDiscriminator(**settings.discriminator_config()).to(device)
        gan = ConditionalGAN.build(generator, discriminator, lr=settings.lr, betas=(settings.beta1, 0.999),
                                   decay_over=steps if settings.lr_decay else None, aux_weight=settings.aux_weight, amp=amp)
        codes = None if snapshot_codes is None else tuple(t.to(device) for t in snapshot_codes)
        history = train(
            gan.step,
            BatchIterator(images, labels.to(device), batch_size=settings.batch_size, generator=torch.Generator().manual_seed(seed)),
            gan.models,
            steps=steps,
            minutes=minutes,
            snapshot=None if codes is None else lambda: generator.decode_in_eval_mode(*codes),
            snapshot_every=snapshot_every,
            channels_last=channels_last,
            progress=progress,
            description=description,
        )
    return CDCGANRun(settings, generator, discriminator, history)


PRETRAINED = CDCGANSettings(width=32, lr_decay=True)
PRETRAINED_STEPS = 6_000


def score(generator: ConditionalDCGANGenerator) -> dict[str, float]:
    """The checkpoint's metrics: per-digit accuracy (100 samples per digit, see
    :func:`ganlib.metrics.conditional.conditional_accuracy`), its worst digit and mean, and :func:`ganlib.metrics.evaluation.evaluate`'s
    ``frechet_ratio`` and ``memorisation`` on 1,000 class-balanced samples."""
    from ganlib.metrics.conditional import conditional_accuracy
    from ganlib.metrics.evaluation import evaluate

    shares = conditional_accuracy(generator, n_per_digit=100)
    scores = evaluate(generator, n=1000)
    return {
        "worst_digit_share": min(shares.values()),
        "mean_digit_share": sum(shares.values()) / len(shares),
        **{f"share_{d}": share for d, share in shares.items()},
        "frechet_ratio": scores["frechet_ratio"],
        "memorisation": scores["memorisation"],
    }


def train_pretrained(output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train ``cdcgan-mnist`` on the MNIST subset's train split and save its generator with its scores.

    The learning rates decay to 0 over ``PRETRAINED_STEPS`` steps; with a budget in ``minutes`` instead, the
    number of steps is unknown in advance and the rates stay constant.
    """
    images, labels = load_mnist("train", source="subset", scale="symmetric", device=device)
    settings = PRETRAINED if minutes is None else replace(PRETRAINED, lr_decay=False)
    budget = {"minutes": minutes} if minutes is not None else {"steps": PRETRAINED_STEPS}
    run = train_cdcgan(settings, images, labels, description="cdcgan-mnist", amp=True, channels_last=True, **budget)
    steps = run.history["step"][-1]
    generator = run.generator.cpu()
    decay = "decaying linearly to 0" if settings.lr_decay else "constant"
    return save_checkpoint(
        output,
        generator,
        settings.generator_config(),
        data=f"MNIST subset, train split (4,500 images and labels); width {settings.width}, batches of "
        f"{settings.batch_size}, Adam lr {settings.lr:g} {decay}, auxiliary classifier weight {settings.aux_weight:g}, "
        f"{steps:,} steps",
        command="python -m ganlib train cdcgan-mnist",
        metrics={"steps": float(steps), **score(generator)},
    )


RECIPES = (Recipe("cdcgan-mnist", "class-conditional DCGAN generator (AC-GAN loss), 64-D latent + digit", train_pretrained),)
