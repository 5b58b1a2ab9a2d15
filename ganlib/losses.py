r"""Loss functions of the course, as plain functions of tensors.

**VAE and autoencoder.** :func:`vae_loss` and :func:`reconstruction_loss` return a dict whose ``"loss"``
entry is minimised; the other entries are its parts, handy to log (the training loop logs every entry).

**GANs.** The losses of the GAN game are written on the discriminator's *logits* :math:`l` (so :math:`D = \sigma(l)`).

The original objective (Goodfellow et al., 2014) is

.. math:: \min_G \max_D\ \mathbb E_{x \sim p_\text{data}}[\log D(x)] + \mathbb E_{z}[\log(1 - D(G(z)))].

* **Discriminator**: maximise it, i.e. minimise the binary cross-entropy
  :math:`-\log D(x) - \log(1 - D(G(z)))`, which is :math:`\operatorname{softplus}(-l_\text{real}) +
  \operatorname{softplus}(l_\text{fake})` in logits.
* **Minimax (saturating) generator loss**: minimise :math:`\log(1 - D(G(z))) = -\operatorname{softplus}(l)`.
  When D confidently rejects the fakes (:math:`D \to 0`) its gradient vanishes: the generator stops learning.
* **Non-saturating generator loss**: minimise :math:`-\log D(G(z)) = \operatorname{softplus}(-l)`. Same fixed
  point, strong gradients exactly when the generator is bad.
* **WGAN-GP** (Gulrajani et al., 2017): a critic :math:`f` (no sigmoid) estimates the Wasserstein-1 distance,
  :math:`\max_f \mathbb E[f(x)] - \mathbb E[f(G(z))]` over 1-Lipschitz :math:`f`, enforced softly by the
  gradient penalty :math:`\lambda\, \mathbb E_{\hat x}[(\lVert \nabla f(\hat x) \rVert_2 - 1)^2]` on points
  :math:`\hat x` between real and fake samples. The generator minimises :math:`-\mathbb E[f(G(z))]`.
* **WGAN with weight clipping** (Arjovsky et al., 2017): the same two losses, without the penalty; the
  critic is kept Lipschitz by clamping its weights after each update (``ganlib.steps.gan_step``).

**Semi-supervised GAN** (Salimans et al., 2016): the discriminator is a K-class classifier whose logits
also give :math:`D(x) = Z / (Z + 1)`, :math:`Z = \sum_k e^{l_k}` (:func:`semi_supervised_discriminator_loss`);
its generator uses :func:`feature_matching_loss`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from ganlib.validation import check_images


def gaussian_kl_to_standard(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r"""KL(N(μ, diag σ²) ‖ N(0, I)) per row, in closed form:

    .. math:: \tfrac12 \sum_j \left(\mu_j^2 + \sigma_j^2 - \log \sigma_j^2 - 1\right)

    (the sum over dimensions of ``ganlib.divergences.kl_normal(μ_j, σ_j, 0, 1)``).
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(dim=1)


def vae_loss(
    x: torch.Tensor, x_logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, beta: float = 1.0
) -> dict[str, torch.Tensor]:
    r"""Negative ELBO of a Bernoulli-decoder VAE, averaged over the batch, in nats per image.

    .. math:: -\mathrm{ELBO} = \underbrace{-\textstyle\sum_{\text{pixels}} \log p_\theta(x \mid z)}_{\text{reconstruction}}
              + \beta\, \underbrace{\mathrm{KL}(q_\phi(z \mid x) \,\|\, \mathcal N(0, I))}_{\text{kl}}

    with one sample ``z`` per image. ``beta = 1`` is the true bound; other values give the β-VAE.
    ``x`` holds intensities in [0, 1] (treated as Bernoulli probabilities).
    """
    x = check_images(x)
    if x_logits.shape != x.shape:
        raise ValueError(f"x_logits must match the images' shape {tuple(x.shape)}, got {tuple(x_logits.shape)}.")
    reconstruction = F.binary_cross_entropy_with_logits(x_logits, x, reduction="none").flatten(1).sum(dim=1).mean()
    kl = gaussian_kl_to_standard(mu, logvar).mean()
    return {"loss": reconstruction + beta * kl, "reconstruction": reconstruction, "kl": kl}


def reconstruction_loss(x: torch.Tensor, x_logits: torch.Tensor) -> dict[str, torch.Tensor]:
    """Binary cross-entropy of an autoencoder's reconstruction, summed over pixels, averaged over the batch."""
    x = check_images(x)
    loss = F.binary_cross_entropy_with_logits(x_logits, x, reduction="none").flatten(1).sum(dim=1).mean()
    return {"loss": loss}


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of a discriminator that labels real 1 and fake 0 (averaged over each batch)."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss_minimax(fake_logits: torch.Tensor) -> torch.Tensor:
    """The saturating loss ``E[log(1 - D(G(z)))]`` (the generator minimises it)."""
    return -F.softplus(fake_logits).mean()


def generator_loss_nonsaturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating loss ``-E[log D(G(z))]``."""
    return F.softplus(-fake_logits).mean()


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


GAN_LOSSES: dict[str, tuple[Callable[..., torch.Tensor], Callable[..., torch.Tensor]]] = {
    "minimax": (discriminator_loss, generator_loss_minimax),
    "nonsaturating": (discriminator_loss, generator_loss_nonsaturating),
    "wgan-gp": (critic_loss, generator_loss_wasserstein),
    "wgan-clip": (critic_loss, generator_loss_wasserstein),
}


def gan_losses(name: str) -> tuple[Callable[..., torch.Tensor], Callable[..., torch.Tensor]]:
    """The (discriminator, generator) loss pair called ``name``: minimax, nonsaturating, wgan-gp or wgan-clip."""
    if name not in GAN_LOSSES:
        raise ValueError(f"unknown GAN loss {name!r}; choose one of {', '.join(GAN_LOSSES)}.")
    return GAN_LOSSES[name]


def optimal_discriminator(p_data: torch.Tensor, p_model: torch.Tensor) -> torch.Tensor:
    r"""The best discriminator for a fixed generator, :math:`D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))`,
    from the two densities evaluated at the same points (1/2 where both are 0)."""
    p_data, p_model = torch.as_tensor(p_data), torch.as_tensor(p_model)
    if (p_data < 0).any() or (p_model < 0).any():
        raise ValueError("densities must be non-negative.")
    total = p_data + p_model
    return torch.where(total > 0, p_data / total.clamp_min(torch.finfo(total.dtype).tiny), torch.full_like(total, 0.5))


def _check_class_logits(logits: torch.Tensor, name: str, classes: int | None = None) -> int:
    """Raise unless ``logits`` is ``(n, K)`` with ``n ≥ 1`` (and ``K = classes`` when given); return K."""
    if logits.ndim != 2 or logits.shape[0] == 0:
        raise ValueError(f"{name} must be a (batch, classes) tensor of class logits with at least one row, got shape {tuple(logits.shape)}.")
    if classes is not None and logits.shape[1] != classes:
        raise ValueError(f"{name} has {logits.shape[1]} class logits per row but the labelled logits have {classes}; use the same discriminator for all three.")
    return logits.shape[1]


def probability_real(logits: torch.Tensor) -> torch.Tensor:
    r""":math:`D(x) = Z(x) / (Z(x) + 1)` with :math:`Z = \sum_k e^{l_k}`, from a ``(n, K)`` batch of class logits.

    It is :math:`\sigma(\log Z) = \sigma(\operatorname{logsumexp}_k l_k)`, which never overflows.
    """
    _check_class_logits(logits, "logits")
    return torch.sigmoid(torch.logsumexp(logits, dim=1))


def semi_supervised_discriminator_loss(
    labelled_logits: torch.Tensor, labels: torch.Tensor, unlabelled_logits: torch.Tensor, fake_logits: torch.Tensor
) -> dict[str, torch.Tensor]:
    r"""The loss of a GAN discriminator that is also a K-class classifier (Salimans et al., 2016).

    The discriminator outputs :math:`K + 1` logits: one per class, and one for "generated". Softmax is
    unchanged when the same number is added to every logit, so the fake class's logit can be fixed at 0
    without losing anything: the network outputs the :math:`K` logits :math:`l_1, \dots, l_K` only, and

    .. math:: p(y = k \mid x) = \frac{e^{l_k}}{Z(x) + 1}, \qquad
              D(x) = p(y \le K \mid x) = \frac{Z(x)}{Z(x) + 1} = \sigma(\log Z(x)), \qquad Z = \sum_{k=1}^K e^{l_k}.

    The loss, averaged over each batch, is the sum of

    * ``supervised``: cross-entropy of the labelled images given that they are real,
      :math:`-\log p(y \mid x, y \le K) = -l_y + \log Z` (an ordinary softmax over the K logits);
    * ``unsupervised``: the GAN's binary cross-entropy, :math:`-\log D(x) - \log(1 - D(G(z)))`, which is
      :math:`\operatorname{softplus}(-\log Z(x)) + \operatorname{softplus}(\log Z(G(z)))` with
      :math:`\log Z` = logsumexp of the logits: stable for any logits.

    Args:
        labelled_logits: ``(n, K)`` logits of the labelled real images; ``labels``: their ``(n,)`` classes in ``0..K-1``.
        unlabelled_logits: ``(m, K)`` logits of unlabelled real images; ``fake_logits``: ``(f, K)`` of generated ones.
    """
    classes = _check_class_logits(labelled_logits, "labelled_logits")
    _check_class_logits(unlabelled_logits, "unlabelled_logits", classes)
    _check_class_logits(fake_logits, "fake_logits", classes)
    if labels.shape != labelled_logits.shape[:1] or labels.dtype.is_floating_point:
        raise ValueError(f"labels must be {labelled_logits.shape[0]} integer classes, one per labelled row, got {labels.dtype} of shape {tuple(labels.shape)}.")
    if labels.min() < 0 or labels.max() >= classes:
        raise ValueError(f"labels must lie in 0..{classes - 1} (one of the {classes} real classes), got values from {labels.min().item()} to {labels.max().item()}.")
    supervised = F.cross_entropy(labelled_logits, labels)
    real_log_z, fake_log_z = torch.logsumexp(unlabelled_logits, dim=1), torch.logsumexp(fake_logits, dim=1)
    unsupervised = F.softplus(-real_log_z).mean() + F.softplus(fake_log_z).mean()
    return {"loss": supervised + unsupervised, "supervised": supervised, "unsupervised": unsupervised}


def feature_matching_loss(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    r"""Feature matching (Salimans et al., 2016): the generator matches the mean of an intermediate layer
    :math:`f` of the discriminator on real and generated images,

    .. math:: \frac1d \left\lVert \mathbb E_x f(x) - \mathbb E_z f(G(z)) \right\rVert_2^2

    (the mean over the ``d`` features of the squared difference of the batch means). Instead of fooling
    the current discriminator, G produces images whose statistics D finds typical of data, a target
    that moves less and suits the semi-supervised discriminator.
    """
    if real_features.ndim != 2 or real_features.shape[1:] != fake_features.shape[1:] or fake_features.ndim != 2:
        raise ValueError(f"real and fake features must be (batch, d) with the same d, got {tuple(real_features.shape)} and {tuple(fake_features.shape)}.")
    return (real_features.mean(dim=0) - fake_features.mean(dim=0)).pow(2).mean()
