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
    clip: float = 0.01,
) -> StepFunction:
    """One round of the GAN game on ``(real, ...)`` batches: a discriminator update on every call, and a
    generator update on every ``d_steps``-th call (k D-steps per G-step).

    Args:
        loss: ``"minimax"``, ``"nonsaturating"``, ``"wgan-gp"`` or ``"wgan-clip"`` (see ``ganlib.losses``).
        gp_weight: λ of the gradient penalty, used with ``"wgan-gp"`` only.
        clip: with ``"wgan-clip"`` (the original WGAN, Arjovsky et al., 2017), every weight of the critic is
            clamped to ``[-clip, clip]`` after each of its updates: a crude way to keep it Lipschitz.
        pack: PacGAN packing (Lin et al., 2018): the discriminator judges ``pack`` samples at once,
            concatenated into one input of ``pack`` times the data size, so it can see the lack of variety
            of a collapsed generator. The batch size must be a multiple of ``pack``.

    Logs ``d_loss`` and ``g_loss``, and the discriminator's mean opinion of real and fake samples:
    ``d_real`` = mean D(x) and ``d_fake`` = mean D(G(z)) (for the WGANs, the critic's mean scores).
    """
    d_loss_fn, g_loss_fn = gan_losses(loss)
    if d_steps < 1:
        raise ValueError(f"d_steps must be at least 1, got {d_steps}.")
    if pack < 1:
        raise ValueError(f"pack must be at least 1, got {pack}.")
    if loss == "wgan-clip" and not clip > 0:
        raise ValueError(f"clip must be a positive bound on the critic's weights (0.01 in the WGAN paper), got {clip}.")
    wasserstein = loss in ("wgan-gp", "wgan-clip")
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
            if loss == "wgan-gp":
                d_loss = d_loss + gp_weight * gradient_penalty(discriminator, real, fake_detached)
        precision.minimise(d_loss, d_optimizer)
        if loss == "wgan-clip":
            with torch.no_grad():
                for weight in discriminator.parameters():
                    weight.clamp_(-clip, clip)
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


def conditional_gan_step(
    generator: Generator,
    discriminator: nn.Module,
    g_optimizer: torch.optim.Optimizer,
    d_optimizer: torch.optim.Optimizer,
    loss: str = "nonsaturating",
    aux_weight: float = 0.0,
) -> StepFunction:
    r"""One round of the class-conditional GAN game on ``(real, labels)`` batches.

    The fakes get labels drawn uniformly from the ``generator.n_classes`` classes, and both players see the
    labels: ``generator(z, y)`` and ``discriminator.scores(x, y)``, which returns the logits of
    :math:`D(x \mid y)` and class logits :math:`C(x)` (see
    :class:`~ganlib.models.conditional_dcgan.ConditionalDCGANDiscriminator`). With ``aux_weight`` = λ > 0
    the AC-GAN loss joins in: D also minimises :math:`\lambda\, \mathrm{CE}(C(x), y)` on real images, and G
    minimises :math:`\lambda\, \mathrm{CE}(C(G(z \mid y)), y)`: its digits must be recognisable as their class.

    Args:
        loss: ``"minimax"`` or ``"nonsaturating"`` (see ``ganlib.losses``).
        aux_weight: λ, the weight of the auxiliary classification loss (0: a plain conditional GAN).

    Logs ``d_loss``, ``g_loss``, ``d_real`` and ``d_fake`` as :func:`gan_step` does, and with λ > 0
    ``aux_real`` and ``aux_fake``, the classification losses of the real and generated images.
    """
    if loss not in ("minimax", "nonsaturating"):
        raise ValueError(f"conditional_gan_step plays the 'minimax' or 'nonsaturating' game, got {loss!r}.")
    if aux_weight < 0:
        raise ValueError(f"aux_weight must be 0 (no auxiliary classifier) or positive, got {aux_weight}.")
    d_loss_fn, g_loss_fn = gan_losses(loss)

    def step(batch: Batch, precision: Precision) -> dict[str, torch.Tensor]:
        if len(batch) < 2:
            raise ValueError("a conditional GAN trains on (images, labels) batches: BatchIterator(images, labels, ...).")
        real, labels = batch[0], batch[1]
        z = torch.randn(real.shape[0], generator.latent_dim, device=real.device)
        fake_labels = torch.randint(generator.n_classes, (real.shape[0],), device=real.device)
        with precision.autocast():
            fake = generator(z, fake_labels)
            real_out, real_classes = discriminator.scores(real, labels)
            fake_out, _ = discriminator.scores(fake.detach(), fake_labels)
            d_loss = d_loss_fn(real_out, fake_out)
            if aux_weight:
                aux_real = F.cross_entropy(real_classes.float(), labels)
                d_loss = d_loss + aux_weight * aux_real
        precision.minimise(d_loss, d_optimizer)
        logged = {"d_loss": d_loss, "d_real": torch.sigmoid(real_out).mean(), "d_fake": torch.sigmoid(fake_out).mean()}
        discriminator.requires_grad_(False)  # the G update needs gradients through D, not for D's weights
        with precision.autocast():
            g_out, g_classes = discriminator.scores(fake, fake_labels)
            g_loss = g_loss_fn(g_out)
            if aux_weight:
                aux_fake = F.cross_entropy(g_classes.float(), fake_labels)
                g_loss = g_loss + aux_weight * aux_fake
        precision.minimise(g_loss, g_optimizer)
        discriminator.requires_grad_(True)
        logged["g_loss"] = g_loss
        if aux_weight:
            logged |= {"aux_real": aux_real, "aux_fake": aux_fake}
        return logged

    return step
