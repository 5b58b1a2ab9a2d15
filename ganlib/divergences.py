r"""Distances between probability distributions.

* Kullback–Leibler, :math:`\mathrm{KL}(p \,\|\, q) = \int p(x) \log \frac{p(x)}{q(x)}\, dx \ge 0`, zero
  only when :math:`p = q`, and not symmetric.
* Jensen–Shannon, :math:`\mathrm{JS}(p, q) = \tfrac12 \mathrm{KL}(p \,\|\, m) + \tfrac12 \mathrm{KL}(q \,\|\, m)`
  with :math:`m = \tfrac12 (p + q)`: symmetric, and between 0 and :math:`\ln 2`.

All values are in nats (natural logarithms). Densities can be given as functions, evaluated on a grid
of points and integrated with the trapezoid rule, or as histograms (counts or probabilities per bin).

Both need densities. The maximum mean discrepancy (MMD, Gretton et al. 2012) needs only samples.
A kernel :math:`k` maps each distribution to its *mean embedding* :math:`\mu_p = \mathbb E_{x\sim p}[k(x, \cdot)]`,
a function. The MMD is the distance between two embeddings,

.. math:: \mathrm{MMD}^2(p, q) = \lVert \mu_p - \mu_q \rVert^2_{\mathcal H}
          = \mathbb E\,k(x, x') + \mathbb E\,k(y, y') - 2\,\mathbb E\,k(x, y),
          \qquad x, x' \sim p,\ y, y' \sim q,

zero exactly when :math:`p = q` for a *characteristic* kernel such as the Gaussian and the inverse
multiquadric. Both are functions of :math:`r = \lVert x - y \rVert / h` for a bandwidth :math:`h`:

* Gaussian (RBF): :math:`k(x, y) = \exp(-r^2 / 2)`;
* inverse multiquadric (IMQ): :math:`k(x, y) = (1 + r^2)^{-1/2}`, whose heavy tail still "sees" far points.

Several bandwidths are summed: :math:`k = \sum_h k_h` is again a characteristic kernel. Kernel sums are
computed in blocks of ``block_size`` rows and columns, so without gradients the memory stays bounded
(a few MB) even for 5,000 points per side.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

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


# --- Maximum mean discrepancy ---

Kernel = Literal["gaussian", "imq"]
Bandwidths = float | Sequence[float] | str
Estimator = Literal["unbiased", "biased"]
_KERNELS = ("gaussian", "imq")


def squared_distances(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""All :math:`\lVert x_i - y_j \rVert^2` as an ``(m, n)`` matrix, via :math:`\lVert x\rVert^2 + \lVert y\rVert^2 - 2 x^\top y`.

    Unlike ``torch.cdist`` (a square root), its gradient stays finite where two points coincide.
    """
    x, y = _as_point_sets(x, y)
    return (x.pow(2).sum(1)[:, None] + y.pow(2).sum(1)[None, :] - 2 * x @ y.T).clamp_min(0)


def gaussian_kernel(x: torch.Tensor, y: torch.Tensor, bandwidths: float | Sequence[float] = 1.0) -> torch.Tensor:
    r"""Gaussian kernel matrix :math:`\sum_h \exp(-\lVert x_i - y_j\rVert^2 / 2h^2)`, shape ``(m, n)``."""
    return _kernel_from_sq(squared_distances(x, y), "gaussian", _check_bandwidths(bandwidths))


def inverse_multiquadric_kernel(x: torch.Tensor, y: torch.Tensor, bandwidths: float | Sequence[float] = 1.0) -> torch.Tensor:
    r"""Inverse multiquadric kernel matrix :math:`\sum_h (1 + \lVert x_i - y_j\rVert^2 / h^2)^{-1/2}`, shape ``(m, n)``."""
    return _kernel_from_sq(squared_distances(x, y), "imq", _check_bandwidths(bandwidths))


def median_heuristic(x: torch.Tensor, y: torch.Tensor | None = None, max_points: int = 1000) -> float:
    r"""The median of the distances :math:`\lVert z_i - z_j \rVert` between distinct points of the pooled sample.

    A bandwidth on the scale of the data: most pairs are neither "all near" nor "all far". For more than
    ``max_points`` points, evenly spaced ones are used (the median barely changes, the cost stays bounded).
    """
    z = _flatten(x) if y is None else torch.cat(_as_point_sets(x, y))
    if z.shape[0] < 2:
        raise ValueError("the median heuristic needs at least two points.")
    if z.shape[0] > max_points:
        z = z[torch.linspace(0, z.shape[0] - 1, max_points).long().to(z.device)]
    i, j = torch.triu_indices(z.shape[0], z.shape[0], offset=1, device=z.device)
    median = squared_distances(z, z).detach()[i, j].median().sqrt().item()
    if median <= 0:
        raise ValueError("more than half the pairs of points coincide, so the median distance is 0; give bandwidths yourself.")
    return median


def mmd2(
    x: torch.Tensor,
    y: torch.Tensor,
    bandwidths: Bandwidths = "median",
    kernel: Kernel = "gaussian",
    estimator: Estimator = "unbiased",
    block_size: int = 1024,
) -> torch.Tensor:
    r"""Estimate :math:`\mathrm{MMD}^2(p, q)` from samples ``x`` (m points of p) and ``y`` (n points of q).

    The *biased* V-statistic plugs in the empirical distributions, pairs of a point with itself included:

    .. math:: \widehat{\mathrm{MMD}}{}^2_b = \frac{1}{m^2}\sum_{i,j} k(x_i, x_j) + \frac{1}{n^2}\sum_{i,j} k(y_i, y_j)
              - \frac{2}{mn}\sum_{i,j} k(x_i, y_j) \;\ge 0 .

    The *unbiased* U-statistic leaves those pairs out, so its expectation is exactly :math:`\mathrm{MMD}^2`;
    it can be negative when p = q:

    .. math:: \widehat{\mathrm{MMD}}{}^2_u = \frac{1}{m(m-1)}\sum_{i\ne j} k(x_i, x_j) + \frac{1}{n(n-1)}\sum_{i\ne j} k(y_i, y_j)
              - \frac{2}{mn}\sum_{i,j} k(x_i, y_j).

    Args:
        x, y: point sets ``(m, d)`` and ``(n, d)``; images and other shapes are flattened to vectors.
        bandwidths: one bandwidth, several (their kernels are summed), or ``"median"`` for
            :func:`median_heuristic` of the pooled sample.
        kernel: ``"gaussian"`` or ``"imq"``.
        estimator: ``"unbiased"`` or ``"biased"``.
        block_size: rows and columns of each kernel block held in memory at once.

    Returns:
        a scalar tensor, differentiable with respect to ``x`` and ``y`` (gradients reach a generator).
    """
    x, y = _as_point_sets(x, y)
    if estimator not in ("unbiased", "biased"):
        raise ValueError(f"unknown estimator {estimator!r}; use 'unbiased' (U-statistic) or 'biased' (V-statistic).")
    m, n = x.shape[0], y.shape[0]
    if estimator == "unbiased" and min(m, n) < 2:
        raise ValueError(f"the unbiased estimator needs at least 2 points per side, got {m} and {n}.")
    kind, widths = _check_kernel(kernel), _resolve_bandwidths(bandwidths, x, y)

    def k_of_sq(sq: torch.Tensor) -> torch.Tensor:
        return _kernel_from_sq(sq, kind, widths)

    unbiased = estimator == "unbiased"
    xx = _kernel_sum(x, x, k_of_sq, block_size, symmetric=True, with_diagonal=not unbiased)
    yy = _kernel_sum(y, y, k_of_sq, block_size, symmetric=True, with_diagonal=not unbiased)
    xy = _kernel_sum(x, y, k_of_sq, block_size)
    if unbiased:
        return xx / (m * (m - 1)) + yy / (n * (n - 1)) - 2 * xy / (m * n)
    return xx / m**2 + yy / n**2 - 2 * xy / (m * n)


def mmd_witness(
    points: torch.Tensor, x: torch.Tensor, y: torch.Tensor, bandwidths: Bandwidths = "median", kernel: Kernel = "gaussian"
) -> torch.Tensor:
    r"""The witness function :math:`f(t) = \frac1m \sum_i k(x_i, t) - \frac1n \sum_j k(y_j, t)` at each of ``points``.

    It is :math:`\mu_p - \mu_q` up to normalisation: positive where p has more mass than q, negative where
    q has more. The MMD is the largest mean difference :math:`\mathbb E_p f - \mathbb E_q f` over unit-norm
    functions f, and the witness is the function attaining it.
    """
    x, y = _as_point_sets(x, y)
    points, _ = _as_point_sets(points, x)
    widths = _resolve_bandwidths(bandwidths, x, y)
    kind = _check_kernel(kernel)
    return _kernel_from_sq(squared_distances(points, x), kind, widths).mean(1) - _kernel_from_sq(
        squared_distances(points, y), kind, widths
    ).mean(1)


@dataclass(frozen=True)
class MMDTestResult:
    """Outcome of :func:`mmd_permutation_test`: the unbiased MMD² of the two samples and its p-value."""

    statistic: float
    p_value: float
    bandwidths: tuple[float, ...]
    permuted: torch.Tensor  # the statistic under each permutation: the null distribution

    def rejects(self, alpha: float = 0.05) -> bool:
        """Whether the test concludes p ≠ q at level ``alpha``."""
        return self.p_value <= alpha


def mmd_permutation_test(
    x: torch.Tensor,
    y: torch.Tensor,
    bandwidths: Bandwidths = "median",
    kernel: Kernel = "gaussian",
    n_permutations: int = 500,
    generator: torch.Generator | None = None,
    block_size: int = 1024,
) -> MMDTestResult:
    r"""Two-sample test of :math:`H_0: p = q` with the unbiased MMD² as statistic.

    Under :math:`H_0` the labels "from p" and "from q" are exchangeable: shuffling them and recomputing the
    statistic draws from its null distribution. The p-value counts how often a shuffle scores at least as
    high as the real split (the real split counts as one shuffle, which keeps the test exact):

    .. math:: \text{p-value} = \frac{1 + \#\{b : T_b \ge T\}}{1 + B}.

    All ``n_permutations`` statistics come out of one blocked pass over the pooled kernel matrix
    :math:`K` (zero diagonal): with indicator vectors :math:`a` (in the first group) and :math:`b = 1 - a`,
    the three sums of the estimator are :math:`a^\top K a`, :math:`b^\top K b` and :math:`a^\top K b`, and
    :math:`K` times the matrix of all indicator vectors is computed block by block.
    """
    x, y = _as_point_sets(x, y)
    m, n = x.shape[0], y.shape[0]
    if min(m, n) < 2:
        raise ValueError(f"the test needs at least 2 points per side, got {m} and {n}.")
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, int) or n_permutations <= 0:
        raise ValueError(f"n_permutations must be a positive integer, got {n_permutations!r}.")
    kind = _check_kernel(kernel)
    widths = _resolve_bandwidths(bandwidths, x, y)
    z = torch.cat([x, y]).detach()
    total = m + n
    membership = torch.zeros(total, n_permutations + 1)
    membership[:m, 0] = 1.0  # column 0: the real split
    for b in range(1, n_permutations + 1):
        membership[torch.randperm(total, generator=generator)[:m], b] = 1.0
    columns = torch.cat([membership, torch.ones(total, 1)], dim=1).to(z)
    product = _kernel_matmul(z, columns, lambda sq: _kernel_from_sq(sq, kind, widths), block_size)
    product, membership = product.double().cpu(), membership.double()
    a_k = product[:, :-1]
    aa = (membership * a_k).sum(0)  # a^T K a
    a_all = a_k.sum(0)  # a^T K 1
    everything = product[:, -1].sum()  # 1^T K 1
    ab = a_all - aa
    bb = everything - 2 * a_all + aa
    statistics = aa / (m * (m - 1)) + bb / (n * (n - 1)) - 2 * ab / (m * n)
    observed, permuted = statistics[0], statistics[1:]
    p_value = (1 + (permuted >= observed).sum().item()) / (1 + n_permutations)
    return MMDTestResult(float(observed), p_value, widths, permuted.float())


def rejection_rate(
    sample_p: Callable[[int, torch.Generator], torch.Tensor],
    sample_q: Callable[[int, torch.Generator], torch.Tensor],
    n: int,
    repetitions: int,
    bandwidths: Bandwidths = "median",
    alpha: float = 0.05,
    n_permutations: int = 100,
    generator: torch.Generator | None = None,
) -> float:
    r"""Share of ``repetitions`` permutation tests, each on fresh samples of ``n`` points from p and from q,
    that reject :math:`H_0` at level ``alpha``.

    With p = q this estimates the false-positive rate (about ``alpha`` for a valid test); with p ≠ q, the
    test's *power*. ``sample_p(n, generator)`` and ``sample_q(n, generator)`` draw the samples, e.g. the
    ``sample`` method of a distribution in :mod:`ganlib.data`.
    """
    if isinstance(repetitions, bool) or not isinstance(repetitions, int) or repetitions <= 0:
        raise ValueError(f"repetitions must be a positive integer, got {repetitions!r}.")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}.")
    rejections = 0
    for _ in range(repetitions):
        x, y = sample_p(n, generator), sample_q(n, generator)
        rejections += mmd_permutation_test(x, y, bandwidths, n_permutations=n_permutations, generator=generator).rejects(alpha)
    return rejections / repetitions


def _flatten(x: torch.Tensor) -> torch.Tensor:
    x = torch.as_tensor(x)
    if x.ndim == 0:
        raise ValueError("expected a set of points shaped (n, d), got a single number.")
    return x.reshape(x.shape[0], -1) if x.ndim != 2 else x


def _as_point_sets(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Flatten both samples to ``(n, d)`` and refuse empty or mismatched ones with a clear message."""
    x, y = _flatten(x), _flatten(y)
    if x.shape[0] == 0 or y.shape[0] == 0:
        raise ValueError(f"both samples need at least one point, got {x.shape[0]} and {y.shape[0]}.")
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            f"the samples live in different spaces: {x.shape[1]} features against {y.shape[1]}. "
            "Compare points of the same dimension (flatten images the same way on both sides)."
        )
    if not x.is_floating_point():
        x = x.float()
    return x, y.to(x.dtype)


def _check_kernel(kernel: str) -> str:
    if kernel not in _KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; use one of {', '.join(map(repr, _KERNELS))}.")
    return kernel


def _check_bandwidths(bandwidths: float | Sequence[float]) -> tuple[float, ...]:
    widths = (bandwidths,) if isinstance(bandwidths, (int, float)) else tuple(bandwidths)
    if not widths:
        raise ValueError("give at least one bandwidth.")
    if not all(isinstance(h, (int, float)) and math.isfinite(h) and h > 0 for h in widths):
        raise ValueError(f"bandwidths must be positive finite numbers, got {widths}.")
    return tuple(float(h) for h in widths)


def _resolve_bandwidths(bandwidths: Bandwidths, x: torch.Tensor, y: torch.Tensor) -> tuple[float, ...]:
    if isinstance(bandwidths, str):
        if bandwidths != "median":
            raise ValueError(f"bandwidths must be numbers or 'median', got {bandwidths!r}.")
        return (median_heuristic(x, y),)
    return _check_bandwidths(bandwidths)


def _kernel_from_sq(sq: torch.Tensor, kernel: str, widths: tuple[float, ...]) -> torch.Tensor:
    """The summed kernel as a function of squared distances."""
    if kernel == "gaussian":
        terms = [torch.exp(sq / (-2 * h * h)) for h in widths]
    else:
        terms = [torch.rsqrt(1 + sq / (h * h)) for h in widths]
    return terms[0] if len(terms) == 1 else torch.stack(terms).sum(0)


def _kernel_sum(
    x: torch.Tensor,
    y: torch.Tensor,
    k_of_sq: Callable[[torch.Tensor], torch.Tensor],
    block_size: int,
    symmetric: bool = False,
    with_diagonal: bool = True,
) -> torch.Tensor:
    r""":math:`\sum_{i,j} k(x_i, y_j)`, block by block. With ``symmetric`` (``y`` is ``x``), only blocks on
    and above the diagonal are computed and the others counted twice; ``with_diagonal=False`` leaves
    out the terms :math:`k(x_i, x_i)`."""
    if block_size <= 0:
        raise ValueError(f"block_size must be positive, got {block_size}.")
    total = x.new_zeros(())
    for i in range(0, x.shape[0], block_size):
        for j in range(i if symmetric else 0, y.shape[0], block_size):
            block = k_of_sq(squared_distances(x[i : i + block_size], y[j : j + block_size]))
            if symmetric and i == j:
                total = total + block.sum() - (0 if with_diagonal else block.diagonal().sum())
            else:
                total = total + (2 if symmetric else 1) * block.sum()
    return total


def _kernel_matmul(
    z: torch.Tensor, columns: torch.Tensor, k_of_sq: Callable[[torch.Tensor], torch.Tensor], block_size: int
) -> torch.Tensor:
    """``K @ columns`` for the kernel matrix K of ``z`` with its diagonal set to zero, block by block."""
    if block_size <= 0:
        raise ValueError(f"block_size must be positive, got {block_size}.")
    out = torch.zeros_like(columns)
    for i in range(0, z.shape[0], block_size):
        for j in range(0, z.shape[0], block_size):
            block = k_of_sq(squared_distances(z[i : i + block_size], z[j : j + block_size]))
            if i == j:
                block.fill_diagonal_(0)
            out[i : i + block_size] += block @ columns[j : j + block_size]
    return out

