r"""The Wasserstein-1 (Earth-Mover) distance, and why a GAN needs it when supports do not overlap.

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
"""

from __future__ import annotations

import math

import torch


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
