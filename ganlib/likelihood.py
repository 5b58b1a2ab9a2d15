r"""Fitting one Gaussian :math:`q = \mathcal N(\mu, \sigma^2)`: by maximum likelihood, and by minimising a KL.

* **Maximum likelihood.** For data :math:`x_1, \dots, x_n` the average log-likelihood is

  .. math:: \bar\ell(\mu, \sigma) = \frac1n \sum_i \log q(x_i)
            = -\log\sigma - \tfrac12\log 2\pi - \frac{1}{2\sigma^2}\,\frac1n \sum_i (x_i - \mu)^2 ,

  maximised by the sample mean and the (biased, divide-by-:math:`n`) sample standard deviation. The same
  maximum can be reached by gradient ascent, which is how models without a closed form are trained.
* **Forward KL**, :math:`\mathrm{KL}(p \,\|\, q) = \mathbb E_{x\sim p}[\log p(x) - \log q(x)]`: its
  minimiser over Gaussians matches the mean and variance of :math:`p` (it *covers* every mode).
* **Reverse KL**, :math:`\mathrm{KL}(q \,\|\, p) = \mathbb E_{x\sim q}[\log q(x) - \log p(x)]`: its
  minimisers sit on a single mode of :math:`p` (it *seeks* a mode), and which one depends on the start.

All fits work on 1-D data and 1-D targets (anything with ``sample(n, generator)`` and ``log_prob(x)``,
such as :func:`ganlib.data.toy.gaussian_mixture_1d`).

:func:`kde_1d` estimates a density from samples, :math:`\hat p(x) = \frac1n \sum_i \mathcal N(x;\ x_i, h^2)`, with
Silverman's bandwidth :math:`h = 1.06\, \hat\sigma\, n^{-1/5}` by default: a generator has no density formula, but in
1-D its samples give a good picture of :math:`p_g`.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple, Protocol

import torch

from ganlib.checks import check_count
from ganlib.divergences import js_divergence, kl_divergence, kl_monte_carlo

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


class Target1D(Protocol):
    """A 1-D distribution we can both sample and evaluate, e.g. a :class:`ganlib.data.toy.GaussianMixture`."""

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor: ...

    def log_prob(self, x: torch.Tensor) -> torch.Tensor: ...


class GaussianFit(NamedTuple):
    """A fitted :math:`\\mathcal N(\\mu, \\sigma^2)`, with the objective logged at every step of the fit.

    ``history`` holds the average log-likelihood (for MLE by gradient ascent) or the KL estimate (for the
    KL fits) before each update; it is empty for the closed-form MLE.
    """

    mean: float
    std: float
    history: tuple[float, ...] = ()

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Log density of the fitted Gaussian at ``x`` (any shape; a float tensor keeps its dtype)."""
        return gaussian_log_density(x, self.mean, self.std)

    def pdf(self, x: torch.Tensor) -> torch.Tensor:
        """Density of the fitted Gaussian at ``x``; handy in ``plot_density_1d(densities={...})``."""
        return self.log_prob(x).exp()


class Divergences(NamedTuple):
    """KL(p ‖ q), KL(q ‖ p) and JS(p, q), in nats."""

    forward_kl: float
    reverse_kl: float
    js: float


def gaussian_log_density(
    x: torch.Tensor, mean: torch.Tensor | float, std: torch.Tensor | float
) -> torch.Tensor:
    r""":math:`\log \mathcal N(x;\ \mu, \sigma^2) = -\frac{(x-\mu)^2}{2\sigma^2} - \log\sigma - \frac12\log 2\pi`.

    Written out rather than taken from ``torch.distributions`` so that gradients flow to ``mean`` and
    ``std`` when they are tensors that require them.
    """
    x = torch.as_tensor(x)
    if not x.is_floating_point():
        x = x.to(torch.get_default_dtype())
    std = torch.as_tensor(std, dtype=x.dtype, device=x.device)
    if (std <= 0).any():
        raise ValueError(f"the standard deviation must be positive, got {std.detach().cpu().tolist()}.")
    return -0.5 * ((x - mean) / std) ** 2 - torch.log(std) - _LOG_SQRT_2PI


def gaussian_log_likelihood(x: torch.Tensor, mean: torch.Tensor | float, std: torch.Tensor | float) -> torch.Tensor:
    r"""Average log-likelihood :math:`\frac1n \sum_i \log \mathcal N(x_i;\ \mu, \sigma^2)` of a 1-D sample.

    The average (rather than the sum) does not grow with :math:`n`, so learning rates and plots do not
    depend on the size of the data set; both have the same maximiser.
    """
    return gaussian_log_density(_as_sample(x), mean, std).mean()


def gaussian_mle(x: torch.Tensor) -> GaussianFit:
    r"""Closed-form maximum-likelihood Gaussian: :math:`\hat\mu = \bar x`,
    :math:`\hat\sigma^2 = \frac1n \sum_i (x_i - \bar x)^2`.

    Setting :math:`\partial\bar\ell/\partial\mu = (\bar x - \mu)/\sigma^2` and
    :math:`\partial\bar\ell/\partial\sigma = -1/\sigma + \frac1n\sum_i (x_i-\mu)^2/\sigma^3` to zero gives
    both. Note the :math:`1/n`: the MLE of the variance is the biased estimator, not the :math:`1/(n-1)` one.
    """
    x = _as_sample(x)
    mean = x.mean()
    std = (x - mean).pow(2).mean().sqrt()
    if std == 0:
        raise ValueError("all the values are equal, so the maximum-likelihood std is 0; give varied data.")
    return GaussianFit(float(mean), float(std))


def fit_gaussian_gradient_ascent(
    x: torch.Tensor, steps: int = 200, lr: float = 0.1, init: tuple[float, float] = (0.0, 1.0)
) -> GaussianFit:
    r"""Maximum likelihood by plain gradient ascent on :math:`(\mu, s = \log\sigma)`.

    Each step computes the average log-likelihood :math:`\bar\ell`, lets autograd find its gradient and
    moves *uphill*: :math:`\mu \leftarrow \mu + \eta\,\partial\bar\ell/\partial\mu`, and likewise for
    :math:`s`. Optimising :math:`s` keeps :math:`\sigma = e^s` positive without constraints.

    **Step size.** Near the maximum :math:`\bar\ell` is a quadratic bowl, and gradient ascent on a direction of
    curvature :math:`c` converges only for :math:`\eta < 2/c`. Along :math:`\mu` the curvature is :math:`1/\sigma^2`;
    along :math:`s` it is :math:`\frac{2}{\sigma^2} \frac1n\sum_i (x_i - \mu)^2 = 2` at the maximum, whatever the
    data. So ``lr`` must stay below :math:`\min(2\sigma^2, 1)`. Just above 1, :math:`s` settles into a 2-cycle
    around the maximum, returning a wrong :math:`\sigma` while every number stays finite; so the fit checks
    that it kept climbing, and raises when the log-likelihood fell back below a value it had reached.

    Returns:
        the fit, with the average log-likelihood before each step in ``history``.
    """
    x = _as_sample(x)
    check_count(steps, "steps")
    if lr <= 0:
        raise ValueError(f"lr must be positive, got {lr}.")
    mean = torch.tensor(float(init[0]), dtype=x.dtype, requires_grad=True)
    log_std = torch.tensor(math.log(_positive_std(init[1])), dtype=x.dtype, requires_grad=True)
    history = []
    for _ in range(steps):
        log_likelihood = gaussian_log_likelihood(x, mean, log_std.exp())
        history.append(float(log_likelihood.detach()))
        mean.grad = log_std.grad = None
        log_likelihood.backward()
        with torch.no_grad():
            mean += lr * mean.grad
            log_std += lr * log_std.grad
        if not (torch.isfinite(mean) and torch.isfinite(log_std)):
            raise RuntimeError(f"gradient ascent diverged with lr={lr}; lower lr or standardise the data.")
    with torch.no_grad():
        final = float(gaussian_log_likelihood(x, mean, log_std.exp()))
    best = max(history)
    if final < best - 1e-9 * abs(best):
        raise RuntimeError(
            f"gradient ascent with lr={lr} stopped climbing: the log-likelihood fell from {best:.6f} to {final:.6f}, "
            "so the iterates overshoot the maximum (log σ oscillates when lr > 1). Use lr below min(2σ², 1)."
        )
    return GaussianFit(float(mean.detach()), float(log_std.detach().exp()), tuple(history))


def fit_gaussian_kl(
    target: Target1D,
    direction: Literal["forward", "reverse"] = "forward",
    steps: int = 200,
    lr: float = 0.05,
    n_samples: int = 2048,
    init: tuple[float, float] = (0.0, 1.0),
    generator: torch.Generator | None = None,
) -> GaussianFit:
    r"""Fit :math:`q = \mathcal N(\mu, \sigma^2)` to ``target`` :math:`p` by minimising a KL divergence with Adam.

    Both directions are Monte-Carlo estimates (:func:`ganlib.divergences.kl_monte_carlo`) over
    ``n_samples`` points drawn once and reused at every step, so the objective is a fixed, smooth
    function and the fit is repeatable:

    * ``"forward"``, :math:`\mathrm{KL}(p\,\|\,q) \approx \frac1N\sum_i \log p(x_i) - \log q(x_i)` with
      :math:`x_i \sim p`. Only :math:`-\log q` depends on :math:`(\mu, \sigma)`, so this *is* maximum
      likelihood on samples of :math:`p`; its minimiser matches :math:`p`'s mean and variance.
    * ``"reverse"``, :math:`\mathrm{KL}(q\,\|\,p) \approx \frac1N\sum_i \log q(x_i) - \log p(x_i)` with
      :math:`x_i = \mu + \sigma\varepsilon_i`, :math:`\varepsilon_i \sim \mathcal N(0, 1)`. Writing the
      samples of :math:`q` as a function of its parameters (the *reparameterisation trick*) lets the
      gradient flow through them. It settles on one mode of :math:`p`, chosen by ``init``.

    Args:
        target: the distribution :math:`p` to fit, 1-D, with ``sample`` and ``log_prob``.
        direction: ``"forward"`` for KL(p ‖ q) or ``"reverse"`` for KL(q ‖ p).
        steps, lr: number of Adam steps and its learning rate.
        n_samples: Monte-Carlo sample size; the error of the estimate shrinks like :math:`1/\sqrt{N}`.
        init: starting ``(mean, std)`` of :math:`q`.
        generator: random numbers for the fixed samples (``None``: the global generator).

    Returns:
        the fit, with the KL estimate before each step in ``history``.
    """
    if direction not in ("forward", "reverse"):
        raise ValueError(f"direction must be 'forward' (KL(p‖q)) or 'reverse' (KL(q‖p)), got {direction!r}.")
    if getattr(target, "dim", 1) != 1:
        raise ValueError(f"fit_gaussian_kl fits a 1-D Gaussian, but the target is {target.dim}-D.")
    check_count(steps, "steps")
    check_count(n_samples, "n_samples")
    mean = torch.tensor(float(init[0]), requires_grad=True)
    log_std = torch.tensor(math.log(_positive_std(init[1])), requires_grad=True)
    optimizer = torch.optim.Adam([mean, log_std], lr=lr)

    def log_q(x: torch.Tensor) -> torch.Tensor:
        return gaussian_log_density(x, mean, log_std.exp())

    if direction == "forward":
        x_from_p = target.sample(n_samples, generator=generator).reshape(-1)
        log_p_values = target.log_prob(x_from_p)  # does not depend on q: computed once

        def estimate() -> torch.Tensor:
            return kl_monte_carlo(lambda _x: log_p_values, log_q, x_from_p)

    else:
        eps = torch.randn(n_samples, generator=generator)

        def estimate() -> torch.Tensor:
            return kl_monte_carlo(log_q, target.log_prob, mean + log_std.exp() * eps)

    history = []
    for _ in range(steps):
        kl = estimate()
        history.append(float(kl.detach()))
        optimizer.zero_grad()
        kl.backward()
        optimizer.step()
    return GaussianFit(float(mean.detach()), float(log_std.detach().exp()), tuple(history))


def moment_match(target: Target1D) -> GaussianFit:
    r"""The Gaussian with the mean and variance of a 1-D Gaussian mixture: the forward-KL optimum.

    Setting the gradient of :math:`\mathbb E_p[\log q]` to zero gives :math:`\mu = \mathbb E_p[x]` and
    :math:`\sigma^2 = \mathrm{Var}_p[x]`; for a mixture :math:`\mathbb E_p[x] = \sum_k w_k \mu_k` and
    :math:`\mathbb E_p[x^2] = \sum_k w_k (\sigma_k^2 + \mu_k^2)`.
    """
    for attribute in ("weights", "means", "stds"):
        if not hasattr(target, attribute):
            raise TypeError("moment_match needs a GaussianMixture (weights, means, stds); use samples otherwise.")
    if target.means.shape[1] != 1:
        raise ValueError(f"moment_match works on 1-D mixtures; this one is {target.means.shape[1]}-D.")
    w, mu, sd = target.weights.double(), target.means[:, 0].double(), target.stds.double()
    mean = (w * mu).sum()
    variance = (w * (sd**2 + mu**2)).sum() - mean**2
    return GaussianFit(float(mean), float(variance.sqrt()))


def gaussian_divergences(
    target: Target1D, mean: float, std: float, grid: torch.Tensor | None = None
) -> Divergences:
    r"""KL(p ‖ q), KL(q ‖ p) and JS(p, q) between ``target`` :math:`p` and :math:`q = \mathcal N(\mu, \sigma^2)`.

    Computed by the trapezoid rule (:mod:`ganlib.divergences`) on ``grid``; the default grid spans 8
    standard deviations around every mode of :math:`p` and around :math:`q`, so both tails are covered.
    Densities are exponentiated in float64, so that far-out tails do not underflow to zero.
    """
    if grid is None:
        grid = _covering_grid(target, mean, std)
    p = lambda x: target.log_prob(x).double().exp()  # noqa: E731
    q = lambda x: gaussian_log_density(x.double(), mean, std).exp()  # noqa: E731
    return Divergences(
        float(kl_divergence(p, q, grid)), float(kl_divergence(q, p, grid)), float(js_divergence(p, q, grid))
    )


def _covering_grid(target: Target1D, mean: float, std: float, n: int = 4001) -> torch.Tensor:
    std = _positive_std(std)
    low, high = mean - 8 * std, mean + 8 * std
    if not (hasattr(target, "means") and hasattr(target, "stds")):
        raise TypeError("pass grid=torch.linspace(a, b, n) covering p and q; only mixtures get a default grid.")
    low = min(low, float((target.means[:, 0] - 8 * target.stds).min()))
    high = max(high, float((target.means[:, 0] + 8 * target.stds).max()))
    return torch.linspace(low, high, n, dtype=torch.float64)


def _positive_std(std: float) -> float:
    if not std > 0:
        raise ValueError(f"the standard deviation must be positive, got {std}.")
    return float(std)


def _as_sample(x: torch.Tensor) -> torch.Tensor:
    """A 1-D float sample from shape ``(n,)`` or ``(n, 1)``, with at least two points."""
    x = torch.as_tensor(x)
    if not x.is_floating_point():
        x = x.to(torch.get_default_dtype())
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"expected a 1-D sample of shape (n,) or (n, 1), got {tuple(x.shape)}.")
    if x.shape[0] < 2:
        raise ValueError(f"a Gaussian fit needs at least 2 data points, got {x.shape[0]}.")
    return x


def kde_1d(samples: torch.Tensor, points: torch.Tensor, bandwidth: float | None = None) -> torch.Tensor:
    """Gaussian kernel density estimate of 1-D ``samples`` at ``points`` (both flattened)."""
    samples, points = samples.reshape(-1).double(), points.reshape(-1).double()
    if samples.numel() < 2:
        raise ValueError("a density estimate needs at least two samples.")
    h = bandwidth if bandwidth is not None else 1.06 * samples.std().item() * samples.numel() ** -0.2
    if h <= 0:
        raise ValueError("the samples are all equal (or the bandwidth is not positive): no density to estimate.")
    z = (points[:, None] - samples[None, :]) / h
    return (torch.exp(-0.5 * z.pow(2)).mean(dim=1) / (h * math.sqrt(2 * math.pi))).float()
