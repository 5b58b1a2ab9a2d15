r"""Is the difference between two samples real? The MMD permutation test, and how often it says so.

Under the null hypothesis :math:`p = q` the two samples are exchangeable: shuffling the pooled points and
splitting them again gives another draw of :math:`\widehat{\mathrm{MMD}}^2` from its null distribution.
:func:`mmd_permutation_test` compares the observed estimate with ``n_permutations`` such draws; its p-value
is the share of them at least as large. :func:`rejection_rate` repeats the test on fresh samples: at
:math:`p = q` it estimates the test's false-alarm rate (about :math:`\alpha`), elsewhere its power.
:func:`bandwidth_summary` is what the bandwidth slider of notebook 04 reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from ganlib.mmd import (
    Bandwidths,
    Kernel,
    as_point_sets,
    check_kernel,
    kernel_from_squared_distances,
    kernel_matmul,
    resolve_bandwidths,
)


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
    x, y = as_point_sets(x, y)
    m, n = x.shape[0], y.shape[0]
    if min(m, n) < 2:
        raise ValueError(f"the test needs at least 2 points per side, got {m} and {n}.")
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, int) or n_permutations <= 0:
        raise ValueError(f"n_permutations must be a positive integer, got {n_permutations!r}.")
    kind = check_kernel(kernel)
    widths = resolve_bandwidths(bandwidths, x, y)
    z = torch.cat([x, y]).detach()
    total = m + n
    membership = torch.zeros(total, n_permutations + 1)
    membership[:m, 0] = 1.0  # column 0: the real split
    for b in range(1, n_permutations + 1):
        membership[torch.randperm(total, generator=generator)[:m], b] = 1.0
    columns = torch.cat([membership, torch.ones(total, 1)], dim=1).to(z)
    product = kernel_matmul(z, columns, lambda sq: kernel_from_squared_distances(sq, kind, widths), block_size)
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


def bandwidth_summary(x: torch.Tensor, y: torch.Tensor, bandwidth: float, n_permutations: int = 200, seed: int = 0) -> tuple[float, float]:
    """Unbiased MMD² of the two samples and the p-value of the permutation test, for one Gaussian bandwidth."""
    result = mmd_permutation_test(x, y, bandwidth, n_permutations=n_permutations, generator=torch.Generator().manual_seed(seed))
    return result.statistic, result.p_value
