r"""A Gaussian mixture over latent codes, fitted to where the encoder actually puts the data.

A VAE is trained to make each posterior :math:`q(z \mid x)` close to the prior :math:`\mathcal N(0, I)`,
but their average over the data, the **aggregate posterior**
:math:`q(z) = \frac1N \sum_n q(z \mid x_n)`, never fills the prior exactly: it leaves "holes", regions
that are likely under :math:`\mathcal N(0, I)` but that no training image maps to, and whose codes
decode to smudges. A cheap remedy (ex-post density estimation, Ghosh et al., 2020; a simple case of
the two-stage VAE of Dai & Wipf, 2019) keeps the trained decoder and replaces the prior by a density
fitted to the codes of the training images,

.. math::
    p(z) = \sum_{k=1}^K \pi_k\, \mathcal N(z;\ \mu_k, \Sigma_k),

fitted by **expectation-maximisation** (EM) to the encoder means :math:`z_n = \mu(x_n)`:

* E-step: responsibilities :math:`r_{nk} = \pi_k \mathcal N(z_n; \mu_k, \Sigma_k) / \sum_j \pi_j \mathcal N(z_n; \mu_j, \Sigma_j)`;
* M-step: with :math:`N_k = \sum_n r_{nk}`: :math:`\pi_k = N_k / N`, :math:`\mu_k = \sum_n r_{nk} z_n / N_k`,
  :math:`\Sigma_k = \sum_n r_{nk} (z_n - \mu_k)(z_n - \mu_k)^\top / N_k + \epsilon I`.

Each step cannot lower the log-likelihood of the codes; the small :math:`\epsilon` keeps every
covariance invertible.
"""

from __future__ import annotations

import torch
from torch import nn

from ganlib.checks import check_count


class GaussianMixturePrior(nn.Module):
    """``components`` full-covariance Gaussians in ``latent_dim`` dimensions; starts as K copies of N(0, I)."""

    def __init__(self, components: int, latent_dim: int) -> None:
        super().__init__()
        if components < 1:
            raise ValueError(f"a mixture needs at least one component, got {components}.")
        self.register_buffer("weights", torch.full((components,), 1.0 / components))
        self.register_buffer("means", torch.zeros(components, latent_dim))
        self.register_buffer("scale_tril", torch.eye(latent_dim).repeat(components, 1, 1))

    def distribution(self) -> torch.distributions.MixtureSameFamily:
        return torch.distributions.MixtureSameFamily(
            torch.distributions.Categorical(probs=self.weights),
            torch.distributions.MultivariateNormal(self.means, scale_tril=self.scale_tril),
        )

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """:math:`\\log p(z)` for codes ``(n, latent_dim)``."""
        return self.distribution().log_prob(z)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` codes: a component drawn by its weight, then a Gaussian draw from it (on the CPU, reproducible)."""
        check_count(n)
        weights, means, scale_tril = (t.detach().cpu() for t in (self.weights, self.means, self.scale_tril))
        chosen = torch.multinomial(weights, n, replacement=True, generator=generator)
        noise = torch.randn(n, means.shape[1], generator=generator)
        codes = means[chosen] + (scale_tril[chosen] @ noise[:, :, None]).squeeze(-1)
        return codes.to(self.means.device)

    @torch.no_grad()
    def fit(self, codes: torch.Tensor, iterations: int = 100, jitter: float = 1e-4, seed: int = 0) -> list[float]:
        """Fit the mixture to ``codes`` ``(n, latent_dim)`` by EM, starting from randomly chosen codes as means.

        Returns the mean log-likelihood of the codes after every iteration (it never decreases).
        """
        components, dim = self.means.shape
        if codes.ndim != 2 or codes.shape[1] != dim:
            raise ValueError(f"expected codes shaped (n, {dim}), got {tuple(codes.shape)}.")
        if codes.shape[0] < components * (dim + 1):
            raise ValueError(f"{codes.shape[0]} codes are too few to fit {components} full covariances in {dim}-D.")
        codes = codes.double()
        start = torch.randperm(codes.shape[0], generator=torch.Generator().manual_seed(seed))[:components]
        means, weights = codes[start].clone(), torch.full((components,), 1.0 / components, dtype=torch.double)
        covariances = torch.cov(codes.T).expand(components, dim, dim).clone()
        history = []
        for _ in range(iterations):
            gaussians = torch.distributions.MultivariateNormal(means, covariance_matrix=covariances)
            joint = gaussians.log_prob(codes[:, None, :]) + weights.log()  # (n, K): log π_k N(z_n; μ_k, Σ_k)
            history.append(torch.logsumexp(joint, dim=1).mean().item())
            responsibilities = torch.softmax(joint, dim=1)  # E-step
            counts = responsibilities.sum(dim=0)  # M-step
            weights = counts / codes.shape[0]
            means = responsibilities.T @ codes / counts[:, None]
            centred = codes[:, None, :] - means
            covariances = torch.einsum("nk,nki,nkj->kij", responsibilities, centred, centred) / counts[:, None, None]
            covariances = covariances + jitter * torch.eye(dim, dtype=torch.double)
        self.weights.copy_(weights.float())
        self.means.copy_(means.float())
        self.scale_tril.copy_(torch.linalg.cholesky(covariances).float())
        return history
