r"""Turning uniform noise into samples of a distribution we choose.

Four classic recipes, each a few lines:

* **Inverse transform.** If :math:`U \sim \mathrm{Uniform}(0, 1)` and :math:`F` is a CDF, then
  :math:`X = F^{-1}(U)` has CDF :math:`F`, because :math:`P(X \le x) = P(U \le F(x)) = F(x)`.
* **Rejection sampling.** Draw :math:`x \sim q`, keep it with probability :math:`p(x) / (M q(x))`.
  The kept points follow :math:`p` when :math:`M q(x) \ge p(x)` everywhere, and a fraction
  :math:`1/M` of the proposals is kept (for normalised :math:`p` and :math:`q`).
* **Metropolis–Hastings.** A Markov chain whose stationary distribution is :math:`p`; it needs
  :math:`p` only up to a constant, through the ratio :math:`p(x') / p(x)`.
* **Importance sampling.** Use every draw :math:`x \sim q` for :math:`p`, weighted by :math:`p(x)/q(x)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import nn

from ganlib.checks import check_count

Density = Callable[[torch.Tensor], torch.Tensor]


def inverse_transform(inverse_cdf: Density, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Samples ``F^{-1}(U)`` for ``n`` uniform draws ``U``, given the inverse CDF ``F^{-1}``."""
    check_count(n)
    u = torch.rand(n, generator=generator, dtype=torch.float64)
    return inverse_cdf(u)


def numerical_inverse_cdf(cdf: Density, low: float, high: float, tol: float = 1e-6) -> Density:
    """Invert a CDF we can evaluate but not solve, by bisection on ``[low, high]``.

    Each step halves the bracket around ``F(x) = u`` for every ``u`` at once, so about
    ``log2((high - low) / tol)`` steps give an error below ``tol``.
    """
    if not high > low:
        raise ValueError(f"the bracket must satisfy low < high, got [{low}, {high}].")
    steps = max(1, int(torch.tensor((high - low) / tol).log2().ceil()))

    def inverse(u: torch.Tensor) -> torch.Tensor:
        lo = torch.full_like(u, low, dtype=torch.float64)
        hi = torch.full_like(u, high, dtype=torch.float64)
        for _ in range(steps):
            mid = (lo + hi) / 2
            below = cdf(mid).double() < u
            lo = torch.where(below, mid, lo)
            hi = torch.where(below, hi, mid)
        return (lo + hi) / 2

    return inverse


def inverse_transform_discrete(probs: torch.Tensor, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Sample indices ``0..K-1`` with the given probabilities: the first ``k`` whose cumulative sum exceeds ``U``."""
    check_count(n)
    probs = torch.as_tensor(probs, dtype=torch.float64)
    if probs.ndim != 1 or (probs < 0).any() or not torch.isclose(probs.sum(), torch.tensor(1.0, dtype=torch.float64)):
        raise ValueError("probs must be a 1-D tensor of non-negative numbers that sum to 1.")
    cumulative = torch.cumsum(probs, dim=0)
    u = torch.rand(n, generator=generator, dtype=torch.float64)
    return torch.searchsorted(cumulative, u, right=True).clamp_(max=len(probs) - 1)


def rejection_step(x: torch.Tensor, u: torch.Tensor, target_pdf: Density, proposal_pdf: Density,
                   M: float) -> torch.Tensor:
    r"""One round of rejection sampling: the proposals :math:`x_i \sim q` that the uniforms :math:`u_i` keep, in order.

    :math:`x_i` is kept when :math:`u_i < p(x_i) / (M q(x_i))`, which happens with exactly that probability.
    Raises ``ValueError`` when a proposal shows that ``M q`` is not an envelope of ``p``.
    """
    p, envelope = target_pdf(x).double(), M * proposal_pdf(x).double()
    ratio = p / envelope
    worst = int(torch.argmax(ratio))
    if ratio[worst] > 1 + 1e-9:
        raise ValueError(
            f"M * q(x) is not an envelope of p(x): at x = {float(x[worst]):.4g}, p(x) = {float(p[worst]):.4g} "
            f"exceeds M * q(x) = {float(envelope[worst]):.4g}. Increase M to at least {float(M * ratio[worst]):.4g} "
            "or choose a proposal with heavier tails."
        )
    return x[u < ratio]


class RejectionResult(NamedTuple):
    samples: torch.Tensor
    acceptance_rate: float


def rejection_sample(
    target_pdf: Density,
    proposal_sample: Callable[[int, torch.Generator | None], torch.Tensor],
    proposal_pdf: Density,
    M: float,
    n: int,
    generator: torch.Generator | None = None,
    max_proposals: int = 10_000_000,
) -> RejectionResult:
    """Draw ``n`` samples of ``target_pdf`` by rejection from a proposal scaled by ``M``: rounds of
    :func:`rejection_step` on fresh proposals and uniforms until ``n`` are kept (it raises ``ValueError``
    when ``M q`` is not an envelope of ``p``).

    Args:
        target_pdf: density ``p`` to sample (it may be unnormalised).
        proposal_sample: ``proposal_sample(k, generator)`` returns ``k`` draws from ``q``.
        proposal_pdf: density ``q`` of those draws.
        M: envelope constant, so that ``M q(x) >= p(x)`` for all ``x``.
        n: number of samples wanted.

    Returns:
        the samples and the fraction of proposals accepted (``1/M`` for normalised densities).
    """
    check_count(n)
    if M <= 0:
        raise ValueError(f"M must be positive, got {M}.")
    kept: list[torch.Tensor] = []
    n_kept = n_proposed = 0
    while n_kept < n:
        batch = max(1024, 2 * (n - n_kept))
        x = proposal_sample(batch, generator)
        u = torch.rand(batch, generator=generator, dtype=torch.float64)
        kept.append(rejection_step(x, u, target_pdf, proposal_pdf, M))
        n_kept += len(kept[-1])
        n_proposed += batch
        if n_proposed > max_proposals:
            raise RuntimeError(f"only {n_kept} of {n} samples after {n_proposed} proposals; M is far too large.")
    samples = torch.cat(kept)[:n]
    return RejectionResult(samples, n_kept / n_proposed)


def metropolis_accept(x: torch.Tensor, log_w: torch.Tensor, proposal: torch.Tensor, log_w_proposal: torch.Tensor,
                      u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    r"""The Metropolis–Hastings decision, whatever proposed the move: go to :math:`x'` when
    :math:`\log u < \log w(x') - \log w(x)`, i.e. with probability :math:`\min\big(1, w(x')/w(x)\big)`.

    For a symmetric proposal (a random walk) the weight is the target itself, :math:`w = p`. For an
    independence proposal :math:`x' \sim q` it is :math:`w = p / q`, the importance weight: the Hastings
    correction :math:`q(x)/q(x')` folded in. One decision per chain; ``x`` and ``proposal`` carry the chains
    in their first dimension (or are one chain of shape ``(d,)``).

    Returns:
        the new states, their log weights, and which proposals were accepted.
    """
    accepted = torch.log(u) < log_w_proposal - log_w
    move = accepted.to(x.device).reshape(accepted.shape + (1,) * (x.ndim - accepted.ndim))
    return torch.where(move, proposal, x), torch.where(accepted, log_w_proposal, log_w), accepted


def metropolis_step(x: torch.Tensor, log_target: Density, noise: torch.Tensor, u: torch.Tensor,
                    log_p: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    r"""One random-walk Metropolis–Hastings step, for one chain or a batch of chains at once.

    Propose :math:`x' = x + \varepsilon` with the given ``noise`` :math:`\varepsilon`, and move there when
    :math:`u < \min\big(1, p(x')/p(x)\big)`, i.e. when :math:`\log u < \log p(x') - \log p(x)`; otherwise stay at
    :math:`x`. ``log_target`` returns one value per chain (a 0-d tensor for a single chain of shape ``(d,)``,
    shape ``(c,)`` for ``c`` chains); pass ``log_p = log_target(x)`` when it is known, to save an evaluation.

    Returns:
        the new states, their log densities, and which proposals were accepted.
    """
    log_p = log_target(x).double() if log_p is None else log_p
    proposal = x + noise
    return metropolis_accept(x, log_p, proposal, log_target(proposal).double(), u)


class MetropolisHastingsResult(NamedTuple):
    chain: torch.Tensor
    acceptance_rate: float


def metropolis_hastings(
    log_target: Density,
    x0: float | torch.Tensor,
    n_steps: int,
    step_size: float = 1.0,
    generator: torch.Generator | None = None,
) -> MetropolisHastingsResult:
    r"""Random-walk Metropolis–Hastings: ``n_steps`` of :func:`metropolis_step` from ``x0``, with steps
    :math:`\varepsilon \sim \mathcal{N}(0, s^2 I)`. This proposal is symmetric, so the Hastings correction
    cancels; a rejected step records the current :math:`x` again.

    Args:
        log_target: log of the target density, up to an additive constant; takes a ``(d,)`` point.
        x0: starting point (a number for a 1-D chain).
        n_steps: length of the chain.
        step_size: the proposal's standard deviation ``s``.

    Returns:
        the chain of shape ``(n_steps, d)`` (``(n_steps,)`` for a scalar ``x0``) and the acceptance rate.
    """
    check_count(n_steps, "n_steps")
    if step_size <= 0:
        raise ValueError(f"step_size must be positive, got {step_size}.")
    x = torch.as_tensor(x0, dtype=torch.float64)
    scalar = x.ndim == 0
    x = x.reshape(-1)
    noise = step_size * torch.randn(n_steps, x.shape[0], generator=generator, dtype=torch.float64)
    u = torch.rand(n_steps, generator=generator, dtype=torch.float64)
    chain = torch.empty(n_steps, x.shape[0], dtype=torch.float64)
    log_p = log_target(x).double()
    accepted = 0
    for t in range(n_steps):
        x, log_p, moved = metropolis_step(x, log_target, noise[t], u[t], log_p)
        accepted += int(moved)
        chain[t] = x
    return MetropolisHastingsResult(chain[:, 0] if scalar else chain, accepted / n_steps)


def autocorrelation(chain: torch.Tensor, max_lag: int) -> torch.Tensor:
    r"""Autocorrelation :math:`\rho_k` of a 1-D chain for lags :math:`k = 0, \dots,` ``max_lag``.

    .. math:: \rho_k = \frac{\sum_{t=1}^{n-k} (x_t - \bar x)(x_{t+k} - \bar x)}{\sum_{t=1}^{n} (x_t - \bar x)^2}

    :math:`\rho_0 = 1`; a chain that mixes well has :math:`\rho_k` falling to 0 after a few lags.
    A chain that never moved has no variance; it is reported as perfectly correlated (all ones).
    """
    chain = torch.as_tensor(chain, dtype=torch.float64)
    if chain.ndim != 1 or chain.shape[0] < 2:
        raise ValueError(f"autocorrelation needs a 1-D chain of at least 2 states, got shape {tuple(chain.shape)}.")
    check_count(max_lag, "max_lag")
    n = chain.shape[0]
    if max_lag >= n:
        raise ValueError(f"max_lag must be smaller than the chain length {n}, got {max_lag}.")
    x = chain - chain.mean()
    spectrum = torch.fft.rfft(x, n=2 * n)  # zero-padded, so the circular products are the linear ones
    autocovariance = torch.fft.irfft(spectrum * spectrum.conj(), n=2 * n)[: max_lag + 1]
    if autocovariance[0] <= 0:
        return torch.ones(max_lag + 1, dtype=torch.float64)
    return autocovariance / autocovariance[0]


def effective_sample_size(chain: torch.Tensor) -> float:
    r"""How many independent draws a correlated 1-D chain of length :math:`n` is worth.

    .. math:: n_\text{eff} = \frac{n}{1 + 2 \sum_{k=1}^{K} \rho_k}

    summing the autocorrelations :math:`\rho_k` up to the lag :math:`K` before the first one that is
    not positive (beyond it the estimates are mostly noise).
    """
    chain = torch.as_tensor(chain, dtype=torch.float64)
    n = chain.shape[0] if chain.ndim == 1 else 0
    rho = autocorrelation(chain, n - 1)[1:]
    non_positive = (rho <= 0).nonzero()
    cut = int(non_positive[0]) if len(non_positive) else len(rho)
    return float(n / (1 + 2 * rho[:cut].sum()))


class ImportanceEstimate(NamedTuple):
    mean: torch.Tensor
    log_normaliser: float
    effective_sample_size: float


def importance_estimate(values: torch.Tensor, log_weights: torch.Tensor) -> ImportanceEstimate:
    r"""Importance sampling from draws :math:`x_i \sim q`, given ``values`` :math:`f(x_i)` (shape ``(n,)`` or
    ``(n, k)``) and ``log_weights`` :math:`\log \tilde w_i = \log \tilde p(x_i) - \log q(x_i)`, where
    :math:`\tilde p = Z p` may lack its normaliser. Logs keep large weights from overflowing.

    * ``mean``: the self-normalised estimate :math:`\sum_i \bar w_i f(x_i)` of :math:`\mathbb E_p[f]`, with
      :math:`\bar w_i = \tilde w_i / \sum_j \tilde w_j` (:math:`Z` cancels);
    * ``log_normaliser``: :math:`\log \hat Z`, where :math:`\hat Z = \frac1n \sum_i \tilde w_i` is an unbiased
      estimate of :math:`Z = \int \tilde p = \mathbb E_q[\tilde p / q]`;
    * ``effective_sample_size``: :math:`(\sum_i \tilde w_i)^2 / \sum_i \tilde w_i^2 = 1 / \sum_i \bar w_i^2`,
      from 1 (one weight dominates) to :math:`n` (equal weights).
    """
    log_weights, values = torch.as_tensor(log_weights).double(), torch.as_tensor(values).double()
    shapes = f"{tuple(log_weights.shape)} and {tuple(values.shape)}"
    if log_weights.ndim != 1 or len(log_weights) == 0 or values.shape[:1] != log_weights.shape:
        raise ValueError(f"need log-weights of shape (n,) and values of shape (n,) or (n, k), n > 0; got {shapes}.")
    w = torch.softmax(log_weights, dim=0)  # the normalised weights
    log_z = torch.logsumexp(log_weights, dim=0) - math.log(len(log_weights))
    return ImportanceEstimate(torch.tensordot(w, values, dims=1), float(log_z), float(1 / w.square().sum()))


def smallest_envelope_constant(target_pdf: Function, proposal_pdf: Function, xlim: tuple[float, float]) -> float:
    r"""The smallest valid :math:`M = \max_x p(x) / q(x)`, searched on a fine grid of ``xlim``."""
    grid = torch.linspace(xlim[0], xlim[1], 20_001, dtype=torch.float64)
    return float((target_pdf(grid).double() / proposal_pdf(grid).double()).max())


def ring_transform(z: torch.Tensor) -> torch.Tensor:
    r"""A hand-made generator from 2-D Gaussian noise to a ring of radius 1:

    .. math:: \theta = 2\pi\,\Phi(z_1), \quad r = 1 + 0.1\, z_2, \quad x = (r\cos\theta,\ r\sin\theta),

    where :math:`\Phi` is the standard normal CDF, so :math:`\theta` is uniform on :math:`[0, 2\pi)`.
    """
    theta = 2 * math.pi * 0.5 * (1 + torch.erf(z[:, 0] / math.sqrt(2)))
    radius = 1 + 0.1 * z[:, 1]
    return torch.stack([radius * torch.cos(theta), radius * torch.sin(theta)], dim=1)


def random_generator(seed: int = 0, hidden: int = 64) -> nn.Module:
    """An untrained two-layer network from 2-D noise to 2-D points, with weights drawn from ``seed``.

    Its output is *some* distribution; training, from notebook 03 on, chooses the weights so that it
    becomes the data's.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        network = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, 2))
        for layer in network:
            if isinstance(layer, nn.Linear):  # larger weights than PyTorch's default bend the noise visibly
                nn.init.normal_(layer.weight, std=2.0 / math.sqrt(layer.in_features))
                nn.init.normal_(layer.bias, std=0.5)
    return network.requires_grad_(False)


Function = Callable[[torch.Tensor], torch.Tensor]
