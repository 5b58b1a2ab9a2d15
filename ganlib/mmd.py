r"""The maximum mean discrepancy (MMD, Gretton et al. 2012): a distance between distributions that needs only samples.

The maximum mean discrepancy (MMD, Gretton et al. 2012) needs only samples.
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

The permutation test of "same distribution?" built on it is in :mod:`ganlib.metrics.two_sample`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal

import torch

_KERNELS = ("gaussian", "imq")


def squared_distances(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""All :math:`\lVert x_i - y_j \rVert^2` as an ``(m, n)`` matrix, via :math:`\lVert x\rVert^2 + \lVert y\rVert^2 - 2 x^\top y`.

    Unlike ``torch.cdist`` (a square root), its gradient stays finite where two points coincide.
    """
    x, y = as_point_sets(x, y)
    return (x.pow(2).sum(1)[:, None] + y.pow(2).sum(1)[None, :] - 2 * x @ y.T).clamp_min(0)


def gaussian_kernel(x: torch.Tensor, y: torch.Tensor, bandwidths: float | Sequence[float] = 1.0) -> torch.Tensor:
    r"""Gaussian kernel matrix :math:`\sum_h \exp(-\lVert x_i - y_j\rVert^2 / 2h^2)`, shape ``(m, n)``."""
    return kernel_from_squared_distances(squared_distances(x, y), "gaussian", _check_bandwidths(bandwidths))


def inverse_multiquadric_kernel(x: torch.Tensor, y: torch.Tensor, bandwidths: float | Sequence[float] = 1.0) -> torch.Tensor:
    r"""Inverse multiquadric kernel matrix :math:`\sum_h (1 + \lVert x_i - y_j\rVert^2 / h^2)^{-1/2}`, shape ``(m, n)``."""
    return kernel_from_squared_distances(squared_distances(x, y), "imq", _check_bandwidths(bandwidths))


def median_heuristic(x: torch.Tensor, y: torch.Tensor | None = None, max_points: int = 1000) -> float:
    r"""The median of the distances :math:`\lVert z_i - z_j \rVert` between distinct points of the pooled sample.

    A bandwidth on the scale of the data: most pairs are neither "all near" nor "all far". For more than
    ``max_points`` points, evenly spaced ones are used (the median barely changes, the cost stays bounded).
    """
    z = _flatten(x) if y is None else torch.cat(as_point_sets(x, y))
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
    x, y = as_point_sets(x, y)
    if estimator not in ("unbiased", "biased"):
        raise ValueError(f"unknown estimator {estimator!r}; use 'unbiased' (U-statistic) or 'biased' (V-statistic).")
    m, n = x.shape[0], y.shape[0]
    if estimator == "unbiased" and min(m, n) < 2:
        raise ValueError(f"the unbiased estimator needs at least 2 points per side, got {m} and {n}.")
    kind, widths = check_kernel(kernel), resolve_bandwidths(bandwidths, x, y)

    def k_of_sq(sq: torch.Tensor) -> torch.Tensor:
        return kernel_from_squared_distances(sq, kind, widths)

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
    x, y = as_point_sets(x, y)
    points, _ = as_point_sets(points, x)
    widths = resolve_bandwidths(bandwidths, x, y)
    kind = check_kernel(kernel)
    return kernel_from_squared_distances(squared_distances(points, x), kind, widths).mean(1) - kernel_from_squared_distances(
        squared_distances(points, y), kind, widths
    ).mean(1)


def _flatten(x: torch.Tensor) -> torch.Tensor:
    x = torch.as_tensor(x)
    if x.ndim == 0:
        raise ValueError("expected a set of points shaped (n, d), got a single number.")
    return x.reshape(x.shape[0], -1) if x.ndim != 2 else x


def as_point_sets(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
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


def check_kernel(kernel: str) -> str:
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


def resolve_bandwidths(bandwidths: Bandwidths, x: torch.Tensor, y: torch.Tensor) -> tuple[float, ...]:
    if isinstance(bandwidths, str):
        if bandwidths != "median":
            raise ValueError(f"bandwidths must be numbers or 'median', got {bandwidths!r}.")
        return (median_heuristic(x, y),)
    return _check_bandwidths(bandwidths)


def kernel_from_squared_distances(sq: torch.Tensor, kernel: str, widths: tuple[float, ...]) -> torch.Tensor:
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


def kernel_matmul(
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


Kernel = Literal["gaussian", "imq"]


Bandwidths = float | Sequence[float] | str


Estimator = Literal["unbiased", "biased"]
