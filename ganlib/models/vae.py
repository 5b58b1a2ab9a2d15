r"""The variational autoencoder (Kingma & Welling, 2014).

A latent-variable model :math:`p_\theta(x) = \int p_\theta(x \mid z)\, p(z)\, dz` with prior
:math:`p(z) = \mathcal N(0, I)` and a decoder :math:`p_\theta(x \mid z)` that is Bernoulli per pixel.
The integral is intractable, so an encoder proposes :math:`q_\phi(z \mid x) = \mathcal N(\mu_\phi(x),
\operatorname{diag} \sigma^2_\phi(x))` and both are trained on the evidence lower bound

.. math:: \log p_\theta(x) \ge \mathbb E_{q_\phi(z \mid x)}[\log p_\theta(x \mid z)]
          - \mathrm{KL}(q_\phi(z \mid x) \,\|\, p(z)),

(see :func:`vae_loss`). Sampling :math:`z = \mu + \sigma \odot \varepsilon`,
:math:`\varepsilon \sim \mathcal N(0, I)` — the reparameterisation trick — lets gradients flow
through the sample into :math:`\mu` and :math:`\sigma`.

Trained, the model can sample from a better prior than the one it was trained with: with
``prior_components = K``, :meth:`VAE.fit_prior` fits a mixture of K Gaussians to the codes of the
training images (:mod:`ganlib.models.mixture_prior`) and :meth:`VAE.sample` draws from it;
``sample_standard_normal`` still draws from :math:`\mathcal N(0, I)`.

:func:`log_importance_weights` and :func:`iwae_bound` tighten the ELBO into the importance-weighted bound
:math:`\mathcal L_K` of Burda et al. (2016), which rises towards :math:`\log p_\theta(x)` as the number of
samples :math:`K` grows.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ganlib.checks import check_count, check_images, check_latent
from ganlib.models.coders import Architecture, make_decoder, make_encoder
from ganlib.models.generator import Generator
from ganlib.models.mixture_prior import GaussianMixturePrior


class VAE(Generator):
    """Gaussian encoder, Bernoulli decoder. ``forward(x)`` returns ``(x_logits, mu, logvar)``.

    ``prior_components > 0`` adds a :class:`GaussianMixturePrior` to sample from once fitted (:meth:`fit_prior`).
    """

    def __init__(self, latent_dim: int = 16, arch: Architecture = "conv", width: int = 32, prior_components: int = 0) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = make_encoder(arch, 2 * latent_dim, width)  # mean and log-variance side by side
        self.decoder = make_decoder(arch, latent_dim, width)
        self.prior = GaussianMixturePrior(prior_components, latent_dim) if prior_components else None

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of q(z | x)."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    @staticmethod
    def reparameterise(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """A sample of N(mu, exp(logvar)) written as a differentiable function of mu and logvar."""
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder's mean image, in [0, 1], for codes ``z``."""
        return torch.sigmoid(self.decoder(check_latent(z, self.latent_dim)))

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Codes from the fitted mixture prior if the model has one, else from N(0, I)."""
        return super().sample_latent(n, generator) if self.prior is None else self.prior.sample(n, generator)

    @torch.no_grad()
    def sample_standard_normal(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` images decoded from codes of N(0, I), the prior the VAE was trained with."""
        return self.decode(super().sample_latent(n, generator))

    @torch.no_grad()
    def fit_prior(self, images: torch.Tensor, iterations: int = 100, batch_size: int = 500) -> list[float]:
        """Fit the mixture prior to the encoder means of ``images``; returns EM's log-likelihood history."""
        if self.prior is None:
            raise ValueError("this VAE has no mixture prior: build it with prior_components=K (e.g. 10).")
        was_training = self.training
        self.eval()
        codes = torch.cat([self.encode(batch)[0] for batch in images.split(batch_size)])
        self.train(was_training)
        return self.prior.fit(codes, iterations)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        return self.decoder(self.reparameterise(mu, logvar)), mu, logvar

    @torch.no_grad()
    def negative_elbo(self, x: torch.Tensor, batch_size: int = 500) -> dict[str, float]:
        """Average negative ELBO and its two terms on ``x`` (nats per image), one posterior sample each.

        An upper bound on the negative log-likelihood: lower is better.
        """
        totals = {"loss": 0.0, "reconstruction": 0.0, "kl": 0.0}
        for start in range(0, x.shape[0], batch_size):
            batch = x[start : start + batch_size]
            for name, value in vae_loss(batch, *self(batch)).items():
                totals[name] += value.item() * batch.shape[0]
        return {name: total / x.shape[0] for name, total in totals.items()}


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


@torch.no_grad()
def log_importance_weights(
    model: VAE, x: torch.Tensor, samples: int, generator: torch.Generator | None = None, batch_size: int = 2500
) -> torch.Tensor:
    r"""Log importance weights of ``samples`` codes per image, shape ``(n, samples)``:

    .. math:: \log w_k = \log p_\theta(x \mid z_k) + \log p(z_k) - \log q_\phi(z_k \mid x),
              \qquad z_k = \mu_\phi(x) + \sigma_\phi(x) \odot \varepsilon_k,\ \varepsilon_k \sim \mathcal N(0, I).

    With the prior :math:`\mathcal N(0, I)` the two Gaussian terms come to
    :math:`\log p(z) - \log q_\phi(z \mid x) = \tfrac12 \sum_j (\varepsilon_j^2 - z_j^2 + \log \sigma_j^2)`
    (the :math:`\log 2\pi` cancel). :math:`\mathbb E_q[w] = p_\theta(x)`, so the mean of :math:`\log w` estimates
    the ELBO and :func:`iwae_bound` turns the weights into tighter bounds. The noise is drawn on the CPU from
    ``generator``, in the model's dtype, so a seed gives the same codes on every device; the decoder sees
    ``batch_size`` codes at a time.
    """
    check_count(samples, "samples")
    x = check_images(x)
    mu, logvar = model.encode(x)
    eps = torch.randn(x.shape[0], samples, model.latent_dim, generator=generator, dtype=mu.dtype).to(mu.device)
    z = mu.unsqueeze(1) + torch.exp(0.5 * logvar).unsqueeze(1) * eps
    log_prior_ratio = 0.5 * (eps.pow(2) - z.pow(2) + logvar.unsqueeze(1)).sum(dim=2)
    targets = x.repeat_interleave(samples, dim=0)  # image i once for each of its codes, as z.flatten(0, 1) orders them
    log_likelihood = torch.cat([
        -F.binary_cross_entropy_with_logits(model.decoder(codes), images, reduction="none").flatten(1).sum(dim=1)
        for codes, images in zip(z.flatten(0, 1).split(batch_size), targets.split(batch_size))
    ])
    return log_likelihood.view(x.shape[0], samples) + log_prior_ratio


def iwae_bound(log_weights: torch.Tensor, k: int) -> torch.Tensor:
    r"""The importance-weighted bound :math:`\mathcal L_K` per image (Burda et al., 2016), from log weights ``(n, S)``:

    .. math:: \log p_\theta(x) \;\ge\; \mathcal L_K = \mathbb E\Big[\log \frac1K \sum_{k=1}^K w_k\Big]
              \;\ge\; \mathcal L_1 = \mathrm{ELBO}.

    Each row's ``S`` weights are cut into ``S / k`` disjoint groups of ``k``, and the estimates
    :math:`\log \frac1k \sum_{\text{group}} w` (a log-sum-exp, stable for weights of :math:`e^{-100}`) are averaged.
    From the same weights, ``k`` that divide one another give estimates that grow with ``k`` for every image: a
    group's log-mean is at least the mean of its subgroups' log-means (Jensen, log is concave).
    """
    n, samples = log_weights.shape
    if isinstance(k, bool) or not isinstance(k, int) or k <= 0 or samples % k:
        raise ValueError(f"k must be a positive divisor of the {samples} samples per image, got {k!r}.")
    groups = log_weights.view(n, samples // k, k)
    return (groups.logsumexp(dim=2) - math.log(k)).mean(dim=1)
