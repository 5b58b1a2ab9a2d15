"""Step functions for :func:`ganlib.train.train`: what one update of each kind of model does.

A step function takes a mini-batch and a :class:`ganlib.train.Precision`, updates its networks, and
returns the losses it wants logged, as tensors (not floats: reading a value back would make the host
wait for the device at every step).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.divergences import mmd2
from ganlib.losses import gan_losses, gradient_penalty, reconstruction_loss, vae_loss
from ganlib.models.generator import Generator

from ganlib.train import Batch, Precision, StepFunction


def classifier_step(model: nn.Module, optimizer: torch.optim.Optimizer) -> StepFunction:
    """Cross-entropy on ``(images, labels)`` batches; logs the loss and the batch accuracy."""

    def step(batch: Batch, precision: Precision) -> dict[str, torch.Tensor]:
        images, labels = batch
        with precision.autocast():
            logits = model(images)
            loss = F.cross_entropy(logits, labels)
        precision.minimise(loss, optimizer)
        return {"loss": loss, "accuracy": (logits.argmax(dim=1) == labels).float().mean()}

    return step


def loss_step(loss_fn: Callable[[Batch], dict[str, torch.Tensor]], optimizer: torch.optim.Optimizer) -> StepFunction:
    """Minimise ``loss_fn(batch)["loss"]`` with one optimiser; every entry of the dict is logged."""

    def step(batch: Batch, precision: Precision) -> dict[str, torch.Tensor]:
        with precision.autocast():
            losses = loss_fn(batch)
        precision.minimise(losses["loss"], optimizer)
        return losses

    return step


def autoencoder_step(model: nn.Module, optimizer: torch.optim.Optimizer) -> StepFunction:
    """Reconstruction cross-entropy of an :class:`~ganlib.models.autoencoder.Autoencoder` on ``(images, ...)`` batches."""
    return loss_step(lambda batch: reconstruction_loss(batch[0], model(batch[0])), optimizer)


def vae_step(model: nn.Module, optimizer: torch.optim.Optimizer, beta: float = 1.0) -> StepFunction:
    """Negative ELBO (``ganlib.losses.vae_loss``) of a :class:`~ganlib.models.vae.VAE`; logs its two terms too."""
    return loss_step(lambda batch: vae_loss(batch[0], *model(batch[0]), beta=beta), optimizer)


def gmmn_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    bandwidths: float | Sequence[float],
    kernel: str = "gaussian",
    estimator: str = "unbiased",
) -> StepFunction:
    r"""Generative moment matching: MMD² (``ganlib.divergences.mmd2``) between the data batch ``batch[0]``
    and as many fresh samples of the generator ``model`` (a :class:`~ganlib.models.generator.Generator`)."""

    def loss(batch: Batch) -> dict[str, torch.Tensor]:
        data = batch[0]
        fake = model.decode(model.sample_latent(data.shape[0]))
        return {"loss": mmd2(fake, data, bandwidths, kernel, estimator)}

    return loss_step(loss, optimizer)


def gan_step(
    generator: Generator,
    discriminator: nn.Module,
    g_optimizer: torch.optim.Optimizer,
    d_optimizer: torch.optim.Optimizer,
    loss: str = "nonsaturating",
    d_steps: int = 1,
    gp_weight: float = 10.0,
    pack: int = 1,
) -> StepFunction:
    """One round of the GAN game on ``(real, ...)`` batches: a discriminator update on every call, and a
    generator update on every ``d_steps``-th call (k D-steps per G-step).

    Args:
        loss: ``"minimax"``, ``"nonsaturating"`` or ``"wgan-gp"`` (see ``ganlib.losses``).
        gp_weight: λ of the gradient penalty, used with ``"wgan-gp"`` only.
        pack: PacGAN packing (Lin et al., 2018): the discriminator judges ``pack`` samples at once,
            concatenated into one input of ``pack`` times the data size, so it can see the lack of variety
            of a collapsed generator. The batch size must be a multiple of ``pack``.

    Logs ``d_loss`` and ``g_loss``, and the discriminator's mean opinion of real and fake samples:
    ``d_real`` = mean D(x) and ``d_fake`` = mean D(G(z)) (for WGAN-GP, the critic's mean scores).
    """
    d_loss_fn, g_loss_fn = gan_losses(loss)
    if d_steps < 1:
        raise ValueError(f"d_steps must be at least 1, got {d_steps}.")
    if pack < 1:
        raise ValueError(f"pack must be at least 1, got {pack}.")
    wasserstein = loss == "wgan-gp"
    calls = 0

    def packed(x: torch.Tensor) -> torch.Tensor:
        """``(n, ...)`` samples → ``(n / pack, pack · features)``: each row holds ``pack`` samples side by side."""
        return x if pack == 1 else x.reshape(x.shape[0] // pack, -1)

    def step(batch: Batch, precision: Precision) -> dict[str, torch.Tensor]:
        nonlocal calls
        real = batch[0]
        if real.shape[0] % pack:
            raise ValueError(f"the batch size ({real.shape[0]}) must be a multiple of pack={pack}.")
        z = torch.randn(real.shape[0], generator.latent_dim, device=real.device)
        with precision.autocast():
            fake = generator(z)
            real, fake_detached = packed(real), packed(fake.detach())
            real_out, fake_out = discriminator(real), discriminator(fake_detached)
            d_loss = d_loss_fn(real_out, fake_out)
            if wasserstein:
                d_loss = d_loss + gp_weight * gradient_penalty(discriminator, real, fake_detached)
        precision.minimise(d_loss, d_optimizer)
        opinion = (lambda out: out.mean()) if wasserstein else (lambda out: torch.sigmoid(out).mean())
        logged = {"d_loss": d_loss, "d_real": opinion(real_out), "d_fake": opinion(fake_out)}
        calls += 1
        if calls % d_steps == 0:
            discriminator.requires_grad_(False)  # the G update needs gradients through D, not for D's weights
            with precision.autocast():
                g_loss = g_loss_fn(discriminator(packed(fake)))
            precision.minimise(g_loss, g_optimizer)
            discriminator.requires_grad_(True)
            logged["g_loss"] = g_loss
        return logged

    return step


def with_schedule(step: StepFunction, scheduler: torch.optim.lr_scheduler.LRScheduler) -> StepFunction:
    """``step`` followed by ``scheduler.step()``: a learning rate that changes with every update (e.g. cosine decay)."""

    def scheduled(batch: Batch, precision: Precision) -> dict[str, torch.Tensor]:
        losses = step(batch, precision)
        scheduler.step()
        return losses

    return scheduled
