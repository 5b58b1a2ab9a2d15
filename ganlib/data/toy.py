"""Small distributions we can see: a 1-D Gaussian mixture and 2-D shapes.

Every distribution has ``sample(n, generator=None)`` returning a float32 tensor of shape ``(n, dim)``.
Those with a density we can write down also have ``log_prob(x)``. The ring and grid defaults are the
settings of the mode-collapse experiments in the Unrolled GAN, VEEGAN and PacGAN papers (8 modes on a
circle of radius 1 with standard deviation 0.01; 25 modes at {-4, -2, 0, 2, 4}² with standard deviation
0.05), so results here can be compared with their tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from ganlib.checks import check_count

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)



class GaussianMixture:
    r"""A mixture of isotropic Gaussians, :math:`p(x) = \sum_k w_k\, \mathcal{N}(x;\ \mu_k, \sigma_k^2 I)`.

    Args:
        means: the mode centres, shape ``(K, dim)``.
        stds: one standard deviation per mode, or one for all.
        weights: mixing weights (normalised for you); equal by default.
    """

    def __init__(
        self,
        means: Sequence[Sequence[float]] | torch.Tensor,
        stds: float | Sequence[float] = 1.0,
        weights: Sequence[float] | None = None,
    ) -> None:
        self.means = torch.as_tensor(means, dtype=torch.float32)
        if self.means.ndim != 2:
            raise ValueError(f"means must have shape (modes, dim), got {tuple(self.means.shape)}.")
        k = self.means.shape[0]
        self.stds = torch.as_tensor(stds, dtype=torch.float32).expand(k).clone()
        if (self.stds <= 0).any():
            raise ValueError("every standard deviation must be positive.")
        w = torch.ones(k) if weights is None else torch.as_tensor(weights, dtype=torch.float32)
        if w.shape != (k,) or (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"weights must be {k} non-negative numbers with a positive sum.")
        self.weights = w / w.sum()

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    @property
    def n_modes(self) -> int:
        return self.means.shape[0]

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` points: pick a mode by its weight, then add Gaussian noise around its centre."""
        check_count(n)
        mode = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        noise = torch.randn(n, self.dim, generator=generator)
        return self.means[mode] + self.stds[mode, None] * noise

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Log density at each row of ``x`` (shape ``(n, dim)``; in 1-D a plain ``(n,)`` works too)."""
        x = self._as_points(x)
        sq_dist = torch.cdist(x.double(), self.means.double()).pow(2)  # (n, K)
        var = self.stds.double().pow(2)
        log_component = -0.5 * sq_dist / var - self.dim * (torch.log(self.stds.double()) + _LOG_SQRT_2PI)
        return torch.logsumexp(log_component + torch.log(self.weights.double()), dim=1).to(x.dtype)

    def cdf(self, x: torch.Tensor) -> torch.Tensor:
        """Cumulative distribution function; defined for 1-D mixtures only."""
        if self.dim != 1:
            raise ValueError(f"cdf is defined for 1-D mixtures only; this one is {self.dim}-D.")
        x = torch.as_tensor(x, dtype=torch.float32).reshape(-1, 1)
        z = (x - self.means[:, 0]) / self.stds
        return (0.5 * (1 + torch.erf(z / math.sqrt(2))) * self.weights).sum(dim=1)

    def _as_points(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.as_tensor(x, dtype=torch.float32)
        if self.dim == 1 and x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"expected points of shape (n, {self.dim}), got {tuple(x.shape)}.")
        return x

    def __repr__(self) -> str:
        return f"GaussianMixture(modes={self.n_modes}, dim={self.dim})"


def gaussian_mixture_1d(
    means: Sequence[float] = (-2.0, 1.5), stds: Sequence[float] = (0.5, 0.8), weights: Sequence[float] = (0.4, 0.6)
) -> GaussianMixture:
    """A 1-D mixture; the default is an asymmetric, clearly bimodal one used across the notebooks."""
    return GaussianMixture([[m] for m in means], stds, weights)


def ring(n_modes: int = 8, radius: float = 1.0, std: float = 0.01) -> GaussianMixture:
    """``n_modes`` equal Gaussians evenly spaced on a circle."""
    angles = torch.arange(n_modes) * (2 * math.pi / n_modes)
    return GaussianMixture(torch.stack([radius * torch.cos(angles), radius * torch.sin(angles)], dim=1), std)


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture:
    """``side``² equal Gaussians on a square grid centred on the origin (default: {-4, -2, 0, 2, 4}²)."""
    ticks = (torch.arange(side) - (side - 1) / 2) * spacing
    xs, ys = torch.meshgrid(ticks, ticks, indexing="ij")
    return GaussianMixture(torch.stack([xs.flatten(), ys.flatten()], dim=1), std)


class TwoMoons:
    """Two interleaving half circles with Gaussian noise (no closed-form density)."""

    dim = 2

    def __init__(self, noise: float = 0.05) -> None:
        self.noise = noise

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        check_count(n)
        t = torch.rand(n, generator=generator) * math.pi
        upper = torch.rand(n, generator=generator) < 0.5
        x = torch.where(upper, torch.cos(t), 1 - torch.cos(t))
        y = torch.where(upper, torch.sin(t), 0.5 - torch.sin(t))
        return torch.stack([x, y], dim=1) + self.noise * torch.randn(n, 2, generator=generator)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("two moons has no closed-form density; compare it through samples instead.")


class SwissRoll:
    """A 2-D spiral, ``t (cos t, sin t)`` for ``t`` in [1.5π, 4.5π], scaled to about [-1, 1]²."""

    dim = 2

    def __init__(self, noise: float = 0.02) -> None:
        self.noise = noise

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        check_count(n)
        t = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=generator))
        points = torch.stack([t * torch.cos(t), t * torch.sin(t)], dim=1) / (4.5 * math.pi)
        return points + self.noise * torch.randn(n, 2, generator=generator)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("the swiss roll has no closed-form density; compare it through samples instead.")


TOY_DISTRIBUTIONS = {
    "gmm1d": gaussian_mixture_1d,
    "ring": ring,
    "grid": grid,
    "moons": TwoMoons,
    "swissroll": SwissRoll,
}


def toy_distribution(name: str, **kwargs: float) -> GaussianMixture | TwoMoons | SwissRoll:
    """Build a toy distribution by name: ``gmm1d``, ``ring``, ``grid``, ``moons`` or ``swissroll``."""
    if name not in TOY_DISTRIBUTIONS:
        raise ValueError(f"unknown toy distribution {name!r}; choose one of {', '.join(TOY_DISTRIBUTIONS)}.")
    return TOY_DISTRIBUTIONS[name](**kwargs)
