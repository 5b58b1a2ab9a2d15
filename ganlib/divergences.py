r"""Distances between probability distributions.

* Kullback–Leibler, :math:`\mathrm{KL}(p \,\|\, q) = \int p(x) \log \frac{p(x)}{q(x)}\, dx \ge 0`, zero
  only when :math:`p = q`, and not symmetric.
* Jensen–Shannon, :math:`\mathrm{JS}(p, q) = \tfrac12 \mathrm{KL}(p \,\|\, m) + \tfrac12 \mathrm{KL}(q \,\|\, m)`
  with :math:`m = \tfrac12 (p + q)`: symmetric, and between 0 and :math:`\ln 2`.

All values are in nats (natural logarithms). Densities can be given as functions, evaluated on a grid
of points and integrated with the trapezoid rule, or as histograms (counts or probabilities per bin).

Both need the two distributions to overlap. The **Wasserstein-1** (Earth-Mover) distance does not, which is why a WGAN uses it.

**Two point masses.** Let :math:`p = \delta_0` (all mass at 0) and :math:`q_\theta = \delta_\theta`. Then

* :math:`\mathrm{KL}(p \,\|\, q_\theta) = +\infty` for :math:`\theta \ne 0` (p puts mass where q has none), 0 at :math:`\theta = 0`;
* :math:`\mathrm{JS}(p, q_\theta) = \ln 2` for :math:`\theta \ne 0`, 0 at :math:`\theta = 0`: the mixture
  :math:`m = \tfrac12 (p + q_\theta)` has mass ½ on each point, so each KL to it is :math:`\ln \frac{1}{1/2}`;
* :math:`W_1(p, q_\theta) = |\theta|`: the one unit of mass travels a distance :math:`|\theta|`.

JS is flat in :math:`\theta`, so its gradient is 0 and tells :math:`\theta` nothing, however far apart the
two supports are; :math:`W_1` is continuous and its gradient points towards the data.

**In general**, :math:`W_1(p, q) = \inf_{\gamma \in \Pi(p, q)} \mathbb E_{(x, y) \sim \gamma} \lVert x - y \rVert`
over couplings :math:`\gamma` with marginals :math:`p` and :math:`q`. In 1-D the best plan moves the
:math:`k`-th smallest point of one sample onto the :math:`k`-th smallest of the other, and

.. math:: W_1(p, q) = \int_{-\infty}^{\infty} \lvert F_p(t) - F_q(t) \rvert \, dt,

the area between the two cumulative distribution functions.

The maximum mean discrepancy, which needs only samples, is in :mod:`ganlib.mmd`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

Density = Callable[[torch.Tensor], torch.Tensor]


def kl_monte_carlo(log_p: Density, log_q: Density, samples_from_p: torch.Tensor) -> torch.Tensor:
    r"""Monte-Carlo estimate :math:`\frac1N \sum_i \log p(x_i) - \log q(x_i)`, with :math:`x_i \sim p`.

    Unbiased; its error shrinks like :math:`1/\sqrt{N}`.
    """
    if samples_from_p.shape[0] == 0:
        raise ValueError("kl_monte_carlo needs at least one sample from p.")
    return (log_p(samples_from_p) - log_q(samples_from_p)).mean()


def kl_normal(
    mu_p: torch.Tensor | float, std_p: torch.Tensor | float, mu_q: torch.Tensor | float, std_q: torch.Tensor | float
) -> torch.Tensor:
    r"""Closed form for two univariate normals (elementwise, broadcasting):

    .. math:: \mathrm{KL}(\mathcal N(\mu_p, \sigma_p^2) \,\|\, \mathcal N(\mu_q, \sigma_q^2))
              = \log\frac{\sigma_q}{\sigma_p} + \frac{\sigma_p^2 + (\mu_p - \mu_q)^2}{2\sigma_q^2} - \frac12 .

    Summing it over dimensions gives the KL between diagonal Gaussians.
    """
    mu_p, std_p, mu_q, std_q = (torch.as_tensor(v, dtype=torch.get_default_dtype()) for v in (mu_p, std_p, mu_q, std_q))
    if (std_p <= 0).any() or (std_q <= 0).any():
        raise ValueError("standard deviations must be positive.")
    return torch.log(std_q / std_p) + (std_p**2 + (mu_p - mu_q) ** 2) / (2 * std_q**2) - 0.5


def kl_divergence(p: Density | torch.Tensor, q: Density | torch.Tensor, grid: torch.Tensor | None = None) -> torch.Tensor:
    """KL(p ‖ q) of two densities on a 1-D ``grid``, or of two histograms over the same bins.

    Infinite when q is zero where p is not: p must be absolutely continuous with respect to q.
    """
    p_values, q_values, integrate = _prepare(p, q, grid)
    return integrate(_kl_integrand(p_values, q_values))


def js_divergence(p: Density | torch.Tensor, q: Density | torch.Tensor, grid: torch.Tensor | None = None) -> torch.Tensor:
    """Jensen–Shannon divergence of two densities on a 1-D ``grid``, or of two histograms; at most ln 2."""
    p_values, q_values, integrate = _prepare(p, q, grid)
    m = 0.5 * (p_values + q_values)
    return integrate(0.5 * _kl_integrand(p_values, m) + 0.5 * _kl_integrand(q_values, m))


def _kl_integrand(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    # 0 log(0/q) = 0 by convention, and p log(p/0) = +inf. Subnormal p (below the smallest normal float)
    # counts as 0: its contribution is negligible, and halving it for the JS mixture would underflow.
    present = p > torch.finfo(p.dtype).tiny
    ratio = torch.where(present, p / q, torch.ones_like(p))
    return torch.where(present, p * torch.log(ratio), torch.zeros_like(p))


def _prepare(
    p: Density | torch.Tensor, q: Density | torch.Tensor, grid: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]:
    if callable(p) and callable(q):
        if grid is None:
            raise ValueError("pass grid=torch.linspace(a, b, n) to integrate density functions.")
        grid = torch.as_tensor(grid, dtype=torch.float64)
        if grid.ndim != 1 or grid.shape[0] < 2:
            raise ValueError("grid must be a 1-D tensor of at least 2 increasing points.")
        return p(grid).double(), q(grid).double(), lambda f: torch.trapezoid(f, grid)
    if callable(p) or callable(q):
        raise TypeError("give both p and q as density functions, or both as histograms.")
    p_hist, q_hist = torch.as_tensor(p, dtype=torch.float64), torch.as_tensor(q, dtype=torch.float64)
    if p_hist.shape != q_hist.shape:
        raise ValueError(f"histograms need the same bins, got shapes {tuple(p_hist.shape)} and {tuple(q_hist.shape)}.")
    if (p_hist < 0).any() or (q_hist < 0).any() or p_hist.sum() <= 0 or q_hist.sum() <= 0:
        raise ValueError("histograms must be non-negative with a positive total.")
    return p_hist / p_hist.sum(), q_hist / q_hist.sum(), torch.sum


# --- Two point masses, 0 and theta: the example where KL and JS fail and W1 does not ---

def _theta(theta: torch.Tensor | float) -> torch.Tensor:
    return torch.as_tensor(theta, dtype=torch.float64)


def kl_point_masses(theta: torch.Tensor | float) -> torch.Tensor:
    r""":math:`\mathrm{KL}(\delta_0 \,\|\, \delta_\theta)`: :math:`+\infty` for :math:`\theta \ne 0`, 0 at :math:`\theta = 0` (elementwise)."""
    theta = _theta(theta)
    return torch.where(theta == 0, torch.zeros_like(theta), torch.full_like(theta, math.inf))


def js_point_masses(theta: torch.Tensor | float) -> torch.Tensor:
    r""":math:`\mathrm{JS}(\delta_0, \delta_\theta)`: :math:`\ln 2` for :math:`\theta \ne 0`, 0 at :math:`\theta = 0` (elementwise)."""
    theta = _theta(theta)
    return torch.where(theta == 0, torch.zeros_like(theta), torch.full_like(theta, math.log(2)))


def w1_point_masses(theta: torch.Tensor | float) -> torch.Tensor:
    r""":math:`W_1(\delta_0, \delta_\theta) = |\theta|` (elementwise)."""
    return _theta(theta).abs()


def wasserstein_1d(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Empirical :math:`W_1` between two 1-D samples, the area between their empirical CDFs.

    .. math:: W_1 = \sum_i \lvert F_x(t_i) - F_y(t_i) \rvert\, (t_{i+1} - t_i)

    over the pooled sorted points :math:`t_1 \le \dots \le t_{m+n}`. With as many points on each side it
    is the mean distance between the sorted samples, :math:`\frac1n \sum_k \lvert x_{(k)} - y_{(k)} \rvert`.
    """
    x, y = torch.as_tensor(x).double(), torch.as_tensor(y).double()
    for name, sample in (("x", x), ("y", y)):
        if sample.ndim != 1 or sample.numel() == 0:
            raise ValueError(f"{name} must be a non-empty 1-D sample of shape (n,), got shape {tuple(sample.shape)}; flatten it first.")
        if not torch.isfinite(sample).all():
            raise ValueError(f"{name} contains NaN or infinite values; W1 needs finite points.")
    x, y = x.sort().values, y.sort().values
    pooled = torch.cat([x, y]).sort().values
    cdf_x = torch.searchsorted(x, pooled[:-1], right=True) / x.numel()
    cdf_y = torch.searchsorted(y, pooled[:-1], right=True) / y.numel()
    return ((cdf_x - cdf_y).abs() * pooled.diff()).sum()
