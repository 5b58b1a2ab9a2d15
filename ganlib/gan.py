r"""The GAN game: its losses, and one update of both players, read top to bottom in :meth:`GAN.step`.

The losses are written on the discriminator's *logits* :math:`l` (so :math:`D = \sigma(l)`). The original
objective (Goodfellow et al., 2014) is

.. math:: \min_G \max_D\ \mathbb E_{x \sim p_\text{data}}[\log D(x)] + \mathbb E_{z}[\log(1 - D(G(z)))].

* **Discriminator**: maximise it, i.e. minimise the binary cross-entropy :math:`-\log D(x) - \log(1 - D(G(z)))`
  :math:`= \operatorname{softplus}(-l_\text{real}) + \operatorname{softplus}(l_\text{fake})`.
* **Minimax generator loss**: minimise :math:`\log(1 - D(G(z))) = -\operatorname{softplus}(l)`. When D
  confidently rejects the fakes (:math:`D \to 0`) its gradient vanishes and the generator stops learning.
* **Non-saturating generator loss**: minimise :math:`-\log D(G(z)) = \operatorname{softplus}(-l)`: the same
  fixed point, with strong gradients exactly when the generator is bad.
* **WGAN** (Arjovsky et al., 2017): a critic :math:`f` (no sigmoid) estimates the Wasserstein-1 distance
  :math:`\max_f \mathbb E[f(x)] - \mathbb E[f(G(z))]` over 1-Lipschitz :math:`f`; the generator minimises
  :math:`-\mathbb E[f(G(z))]`. ``wgan-clip`` keeps :math:`f` Lipschitz by clamping its weights,
  ``wgan-gp`` (Gulrajani et al., 2017) by the :func:`gradient_penalty`.

:class:`ConditionalGAN` and :class:`SemiSupervisedGAN` play the same two moves on labelled data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.device import autocast
from ganlib.models.generator import Generator
from ganlib.models.ssgan import (
    feature_matching_loss,
    semi_supervised_discriminator_loss,
)
from ganlib.train import Batch, linear_decay


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of a discriminator that labels real 1 and fake 0 (averaged over each batch)."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss_minimax(fake_logits: torch.Tensor) -> torch.Tensor:
    """The saturating loss ``E[log(1 - D(G(z)))]`` (the generator minimises it)."""
    return -F.softplus(fake_logits).mean()


def generator_loss_nonsaturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating loss ``-E[log D(G(z))]``."""
    return F.softplus(-fake_logits).mean()


def generator_loss_max_likelihood(fake_logits: torch.Tensor) -> torch.Tensor:
    r"""Goodfellow's maximum-likelihood cost ``-E[exp(l)] / 2``, with ``l`` the logit of ``D(G(z))``.

    Against the best discriminator :math:`e^{l} = D^*/(1 - D^*) = p_\text{data}/p_g`, and this cost has the
    expected gradient of maximum likelihood, that is of :math:`\mathrm{KL}(p_\text{data} \| p_g)` (Goodfellow,
    2014). Its gradient with respect to ``l`` is :math:`-e^{l}/2`: tiny where D rejects the fakes, large where
    it accepts them, so a few samples carry most of each step.
    """
    return -0.5 * fake_logits.exp().mean()


def critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """The WGAN critic minimises ``E[f(G(z))] - E[f(x)]`` (add :func:`gradient_penalty`)."""
    return fake_scores.mean() - real_scores.mean()


def generator_loss_wasserstein(fake_scores: torch.Tensor) -> torch.Tensor:
    """The WGAN generator minimises ``-E[f(G(z))]``."""
    return -fake_scores.mean()


def gradient_penalty(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    r""":math:`\mathbb E[(\lVert \nabla_{\hat x} f(\hat x) \rVert_2 - 1)^2]` at :math:`\hat x = \epsilon x + (1 - \epsilon) \tilde x`,
    one uniform :math:`\epsilon` per pair of a real :math:`x` and a fake :math:`\tilde x`."""
    if real.shape != fake.shape:
        raise ValueError(f"real and fake batches must have the same shape, got {tuple(real.shape)} and {tuple(fake.shape)}.")
    eps = torch.rand(real.shape[0], *([1] * (real.ndim - 1)), device=real.device, dtype=real.dtype)
    between = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(between).sum(), between, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


LossPair = tuple[Callable[..., torch.Tensor], Callable[..., torch.Tensor]]
LOSSES: dict[str, LossPair] = {
    "minimax": (discriminator_loss, generator_loss_minimax),
    "nonsaturating": (discriminator_loss, generator_loss_nonsaturating),
    "max-likelihood": (discriminator_loss, generator_loss_max_likelihood),
    "wgan-gp": (critic_loss, generator_loss_wasserstein),
    "wgan-clip": (critic_loss, generator_loss_wasserstein),
}
OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {"adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop}


def packed(x: torch.Tensor, pack: int) -> torch.Tensor:
    """PacGAN's packing: ``(n, ...)`` samples become ``(n / pack, pack · features)``, ``pack`` samples per row."""
    if x.shape[0] % pack:
        raise ValueError(f"the batch size ({x.shape[0]}) must be a multiple of pack={pack}.")
    return x if pack == 1 else x.reshape(x.shape[0] // pack, -1)


@dataclass(kw_only=True)
class GAN:
    """Two players, their optimisers, and the rules of the game they play; :meth:`step` plays one round.

    Options (all keyword-only):
        loss: ``"minimax"``, ``"nonsaturating"``, ``"max-likelihood"``, ``"wgan-gp"`` or ``"wgan-clip"``.
        pack: PacGAN (Lin et al., 2018): D judges ``pack`` samples at once, side by side in one input, so it
            can see that a collapsed generator lacks variety. The batch size must be a multiple of it.
        d_steps: k discriminator updates per generator update (5 for the WGANs).
        clip: with ``"wgan-clip"``, the bound on every weight of the critic (0.01 in the WGAN paper).
        gp_weight: λ of the gradient penalty, with ``"wgan-gp"``.
        amp: bfloat16 mixed precision where the device computes it natively.
        g_schedule, d_schedule: learning-rate schedules, stepped after every round (see :meth:`build`).
        replica, replicas: this process's place among ``replicas`` data-parallel processes (torchrun; see
            :mod:`ganlib.recipes.distributed`). Every process draws the noise of the whole global batch from the
            same random stream and keeps its share, so K processes use the same codes as one process would.

    Build one with :meth:`build`, then ``train(gan.step, batches, gan.models, steps=...)``.
    """

    generator: Generator
    discriminator: nn.Module
    g_optimizer: torch.optim.Optimizer
    d_optimizer: torch.optim.Optimizer
    loss: str = "nonsaturating"
    pack: int = 1
    d_steps: int = 1
    clip: float = 0.01
    gp_weight: float = 10.0
    amp: bool = False
    g_schedule: torch.optim.lr_scheduler.LRScheduler | None = None
    d_schedule: torch.optim.lr_scheduler.LRScheduler | None = None
    replica: int = 0
    replicas: int = 1
    rounds: int = field(default=0, init=False)
    LOSS_NAMES: ClassVar[tuple[str, ...]] = tuple(LOSSES)

    def __post_init__(self) -> None:
        if self.loss not in self.LOSS_NAMES:
            raise ValueError(f"unknown GAN loss {self.loss!r}; choose one of {', '.join(self.LOSS_NAMES)}.")
        for name in ("pack", "d_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}.")
        if not 0 <= self.replica < self.replicas:
            raise ValueError(f"replica must be in [0, replicas), got replica={self.replica} of replicas={self.replicas}.")
        if self.loss == "wgan-clip" and not self.clip > 0:
            raise ValueError(f"clip must be a positive bound on the critic's weights (0.01 in the WGAN paper), got {self.clip}.")

    @property
    def models(self) -> dict[str, nn.Module]:
        return {"generator": self.generator, "discriminator": self.discriminator}

    def opinion(self, out: torch.Tensor) -> torch.Tensor:
        """D's mean verdict: the mean probability of "real", or a WGAN critic's mean score."""
        return out.float().mean() if self.loss.startswith("wgan") else torch.sigmoid(out.float()).mean()

    def noise(self, n: int, device: torch.device) -> torch.Tensor:
        r"""``n`` codes :math:`z \sim \mathcal N(0, I)` for a batch of ``n`` real samples. With several data-parallel
        processes, the codes of the whole global batch are drawn and this process keeps its share."""
        codes = torch.randn(n * self.replicas, self.generator.latent_dim, device=device)
        return codes.chunk(self.replicas)[self.replica]

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """One round on a ``(real, ...)`` batch: (1) a D update; (2) every ``d_steps``-th round, a G update.

        Logs ``d_loss``, ``g_loss`` (on rounds that update G), and D's mean opinion of the real and the
        fake samples, ``d_real`` and ``d_fake``.
        """
        G, D, pack = self.generator, self.discriminator, self.pack
        d_loss_fn, g_loss_fn = LOSSES[self.loss]
        real = batch[0]
        z = self.noise(real.shape[0], real.device)

        # (1) The discriminator step: tell real from fake. The fakes are detached: G is not updated here.
        with autocast(real.device, self.amp):
            fake = G(z)
            real_in, fake_in = packed(real, pack), packed(fake.detach(), pack)
            real_out, fake_out = D(real_in), D(fake_in)
            d_loss = d_loss_fn(real_out, fake_out)
            if self.loss == "wgan-gp":
                d_loss = d_loss + self.gp_weight * gradient_penalty(D, real_in, fake_in)
        self.d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_optimizer.step()
        if self.loss == "wgan-clip":
            with torch.no_grad():
                for weight in D.parameters():
                    weight.clamp_(-self.clip, self.clip)
        logged = {"d_loss": d_loss, "d_real": self.opinion(real_out), "d_fake": self.opinion(fake_out)}

        # (2) The generator step, through a frozen D: gradients flow through D's layers, not into its weights.
        self.rounds += 1
        if self.rounds % self.d_steps == 0:
            D.requires_grad_(False)
            with autocast(real.device, self.amp):
                g_loss = g_loss_fn(D(packed(fake, pack)))
            self.g_optimizer.zero_grad(set_to_none=True)
            g_loss.backward()
            self.g_optimizer.step()
            D.requires_grad_(True)
            logged["g_loss"] = g_loss
        self.step_schedules()
        return logged

    def step_schedules(self) -> None:
        for schedule in (self.g_schedule, self.d_schedule):
            if schedule is not None:
                schedule.step()

    @classmethod
    def build(
        cls,
        generator: Generator,
        discriminator: nn.Module,
        *,
        lr: float = 2e-4,
        d_lr: float | None = None,
        betas: tuple[float, float] = (0.5, 0.999),
        optimizer: str = "adam",
        decay_over: int | None = None,
        decay_from: int = 0,
        **options: Any,
    ) -> GAN:
        r"""The one way to set up a GAN: an optimiser per player, an optional schedule, the rules.

        Both optimisers are ``optimizer``: ``"adam"`` with ``betas`` (β1 = 0.5, as in DCGAN) or ``"rmsprop"``
        (no momentum, as the original WGAN uses), with learning rates ``lr`` and ``d_lr`` (default ``lr``).
        With ``decay_over = T`` both rates stay constant for ``decay_from`` rounds, then decay linearly to 0
        at round ``T`` (:func:`ganlib.train.linear_decay`). ``options`` are the class's fields (``loss``,
        ``pack``, ``d_steps``, ...).
        """
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}.")
        extra = {"betas": betas} if optimizer == "adam" else {}
        g_optimizer = OPTIMIZERS[optimizer](generator.parameters(), lr=lr, **extra)
        d_optimizer = OPTIMIZERS[optimizer](discriminator.parameters(), lr=d_lr or lr, **extra)
        if decay_over is not None:
            options["g_schedule"] = linear_decay(g_optimizer, decay_over, decay_from)
            options["d_schedule"] = linear_decay(d_optimizer, decay_over, decay_from)
        return cls(generator=generator, discriminator=discriminator, g_optimizer=g_optimizer, d_optimizer=d_optimizer, **options)


@dataclass(kw_only=True)
class ConditionalGAN(GAN):
    r"""The class-conditional game on ``(images, labels)`` batches: both players see the label.

    The fakes get labels drawn uniformly from the ``generator.n_classes`` classes; ``generator(z, y)`` makes a
    digit of class y, and ``discriminator.scores(x, y)`` returns the logits of :math:`D(x \mid y)` and class
    logits :math:`C(x)`. With ``aux_weight`` = λ > 0, D also minimises :math:`\lambda\, \mathrm{CE}(C(x), y)` on
    the real images, and G minimises :math:`\lambda\, \mathrm{CE}(C(G(z \mid y)), y)`: its digits must be
    recognisable as their class. This is a variant of AC-GAN (Odena et al., 2017), whose D also classifies the
    fakes; here the class head learns from real digits only. Logs ``aux_real`` and ``aux_fake`` too.
    """

    aux_weight: float = 0.0
    LOSS_NAMES: ClassVar[tuple[str, ...]] = ("minimax", "nonsaturating")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.aux_weight < 0:
            raise ValueError(f"aux_weight must be 0 (no auxiliary classifier) or positive, got {self.aux_weight}.")

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        if len(batch) < 2:
            raise ValueError("a conditional GAN trains on (images, labels) batches: BatchIterator(images, labels, ...).")
        G, D, weight = self.generator, self.discriminator, self.aux_weight
        d_loss_fn, g_loss_fn = LOSSES[self.loss]
        real, labels = batch[0], batch[1]
        z = torch.randn(real.shape[0], G.latent_dim, device=real.device)
        fake_labels = torch.randint(G.n_classes, (real.shape[0],), device=real.device)

        # (1) The discriminator step, on real images with their labels and fakes with theirs.
        with autocast(real.device, self.amp):
            fake = G(z, fake_labels)
            real_out, real_classes = D.scores(real, labels)
            fake_out, _ = D.scores(fake.detach(), fake_labels)
            aux_real = F.cross_entropy(real_classes.float(), labels) if weight else real_out.new_zeros(())
            d_loss = d_loss_fn(real_out, fake_out) + weight * aux_real
        logged = {"d_loss": d_loss, "d_real": self.opinion(real_out), "d_fake": self.opinion(fake_out)}
        self.d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_optimizer.step()

        # (2) The generator step, through a frozen D.
        D.requires_grad_(False)
        with autocast(real.device, self.amp):
            g_out, g_classes = D.scores(fake, fake_labels)
            aux_fake = F.cross_entropy(g_classes.float(), fake_labels) if weight else g_out.new_zeros(())
            g_loss = g_loss_fn(g_out) + weight * aux_fake
        self.g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_optimizer.step()
        D.requires_grad_(True)
        self.step_schedules()
        logged["g_loss"] = g_loss
        return logged | ({"aux_real": aux_real, "aux_fake": aux_fake} if weight else {})


@dataclass(kw_only=True)
class SemiSupervisedGAN(GAN):
    """The semi-supervised game (Salimans et al., 2016) on ``(unlabelled, labelled_images, labels)`` batches.

    D is a K-class classifier (:class:`~ganlib.models.ssgan.SemiSupervisedDiscriminator`) and minimises
    :func:`~ganlib.models.ssgan.semi_supervised_discriminator_loss`; G minimises the
    :func:`~ganlib.models.ssgan.feature_matching_loss` between D's last hidden layer on real and on fake
    images (``generator.decode``, in [0, 1]). Logs ``d_loss``, its ``supervised`` and ``unsupervised``
    parts, ``g_loss`` and the labelled batch's ``accuracy``.
    """

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        G, D = self.generator, self.discriminator
        unlabelled, labelled, labels = batch
        z = torch.randn(unlabelled.shape[0], G.latent_dim, device=unlabelled.device)

        # (1) The discriminator step: classify the labelled images, tell unlabelled real from fake.
        with autocast(unlabelled.device, self.amp):
            fake = G.decode(z)
            labelled_logits = D(labelled)
            losses = semi_supervised_discriminator_loss(labelled_logits, labels, D(unlabelled), D(fake.detach()))
        self.d_optimizer.zero_grad(set_to_none=True)
        losses["loss"].backward()
        self.d_optimizer.step()

        # (2) The generator step, through a frozen D: match D's features of real images.
        D.requires_grad_(False)
        with autocast(unlabelled.device, self.amp):
            with torch.no_grad():
                real_features = D.logits_and_features(unlabelled)[1]
            g_loss = feature_matching_loss(real_features, D.logits_and_features(fake)[1])
        self.g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_optimizer.step()
        D.requires_grad_(True)
        self.step_schedules()
        accuracy = (labelled_logits.argmax(dim=1) == labels).float().mean()
        return {"d_loss": losses["loss"], "supervised": losses["supervised"], "unsupervised": losses["unsupervised"],
                "g_loss": g_loss, "accuracy": accuracy}
