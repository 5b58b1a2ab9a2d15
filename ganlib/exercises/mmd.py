r"""Self-checks for notebook 04, *Moment matching and the MMD*.

* :func:`check_unbiased_mmd2`: the unbiased estimator of MMD² with a Gaussian kernel, from scratch;
* :func:`check_median_heuristic`: the median distance between distinct points of the pooled sample;
* :func:`check_witness`: the witness function :math:`f(t) = \frac1m \sum_i k(x_i, t) - \frac1n \sum_j k(y_j, t)`.

Each compares the learner's function with ``ganlib.divergences`` on a few fixed random samples, and
recognises the usual slips (diagonal kept, a factor 2 lost, squared distances...) to give a precise hint.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ganlib.exercises import ExerciseError, passed, require
from ganlib.mmd import median_heuristic, mmd2, mmd_witness, squared_distances


def _samples(seed: int, m: int, n: int, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(m, dim, generator=g, dtype=torch.float64)
    y = 1.3 * torch.randn(n, dim, generator=g, dtype=torch.float64) + 0.5
    return x, y


def _call(fn: Callable[..., object], *args: object) -> torch.Tensor:
    try:
        value = fn(*args)
    except Exception as error:  # noqa: BLE001 - any failure is the learner's to fix
        raise ExerciseError(f"your function raised {type(error).__name__}: {error}") from error
    try:
        return torch.as_tensor(value, dtype=torch.float64).detach().cpu()
    except Exception as error:  # noqa: BLE001
        raise ExerciseError(f"return a number or a tensor, not a {type(value).__name__}.") from error


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, rtol=1e-4, atol=1e-6)


def check_unbiased_mmd2(fn: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> None:
    r"""``fn(x, y, h)`` should return the unbiased MMD² of ``x`` (m, d) and ``y`` (n, d) for the Gaussian kernel
    :math:`k(a, b) = \exp(-\lVert a - b\rVert^2 / 2h^2)`, to 1e-4 relative precision."""
    for seed, (m, n, dim, h) in enumerate([(12, 9, 2, 1.0), (30, 20, 5, 2.0), (7, 15, 1, 0.5)]):
        x, y = _samples(seed, m, n, dim)
        got = _call(fn, x, y, h)
        require(got.numel() == 1, f"return one number (a scalar), got shape {tuple(got.shape)}.")
        got = got.reshape(())
        if _close(got, mmd2(x, y, h).double()):
            continue
        _diagnose_mmd(got, x, y, h)
    x, y = _samples(0, 12, 9, 2)
    value = float(mmd2(x, y, 1.0))
    passed(f"the U-statistic leaves out the m + n pairs of a point with itself; here MMD²_u = {value:.4f}.")


def _diagnose_mmd(got: torch.Tensor, x: torch.Tensor, y: torch.Tensor, h: float) -> None:
    m, n = x.shape[0], y.shape[0]
    kxx, kyy, kxy = (torch.exp(-squared_distances(a, b) / (2 * h * h)) for a, b in ((x, x), (y, y), (x, y)))
    sum_xx, sum_yy, sum_xy = kxx.sum(), kyy.sum(), kxy.sum()
    require(not _close(got, mmd2(x, y, h, estimator="biased").double()),
            "this is the biased V-statistic: leave out the diagonal terms k(x_i, x_i) and k(y_j, y_j), and divide "
            "the within-sample sums by m(m-1) and n(n-1).")
    no_diag = (sum_xx - m) / m**2 + (sum_yy - n) / n**2 - 2 * sum_xy / (m * n)
    require(not _close(got, no_diag), "the diagonal is out, good; now divide the within-sample sums by m(m-1) and "
            "n(n-1), the number of pairs i != j, not by m² and n².")
    once = (sum_xx - m) / (m * (m - 1)) + (sum_yy - n) / (n * (n - 1)) - sum_xy / (m * n)
    require(not _close(got, once), "the cross term counts twice: -2/(mn) Σ k(x_i, y_j) (pairs (x, y) and (y, x)).")
    kxx2, kyy2, kxy2 = (torch.exp(-squared_distances(a, b) / (h * h)) for a, b in ((x, x), (y, y), (x, y)))
    no_half = (kxx2.sum() - m) / (m * (m - 1)) + (kyy2.sum() - n) / (n * (n - 1)) - 2 * kxy2.sum() / (m * n)
    require(not _close(got, no_half), "check the kernel: exp(-‖a - b‖² / (2 h²)), with the factor 2 in the denominator.")
    raise ExerciseError(
        f"for m = {m}, n = {n}, h = {h} you return {float(got):.5f}, expected {float(mmd2(x, y, h)):.5f}. Build the "
        "three kernel matrices K_xx, K_yy, K_xy from squared distances, then combine their sums as in the formula above."
    )


def check_median_heuristic(fn: Callable[[torch.Tensor], float]) -> None:
    """``fn(z)`` should return the median of the distances between distinct points of ``z`` (N, d).

    With an even number of pairs, either middle value or their average is accepted.
    """
    for seed, (n, dim) in enumerate([(40, 2), (101, 3), (60, 10)]):
        z, _ = _samples(seed, n, 1, dim)
        got = _call(fn, z)
        require(got.numel() == 1, f"return one number, got shape {tuple(got.shape)}.")
        i, j = torch.triu_indices(n, n, offset=1)
        distances = squared_distances(z, z)[i, j].sqrt().sort().values
        middle = (len(distances) - 1) // 2
        low, high = float(distances[middle]), float(distances[len(distances) // 2])
        if low * (1 - 1e-4) <= float(got) <= high * (1 + 1e-4):
            continue
        squared = distances.pow(2)
        require(not float(squared[middle]) * (1 - 1e-4) <= float(got) <= float(squared[len(distances) // 2]) * (1 + 1e-4),
                "that is the median *squared* distance; take the square root (or the median of the distances).")
        with_self = squared_distances(z, z).sqrt().flatten().sort().values
        require(abs(float(got) - float(with_self[(len(with_self) - 1) // 2])) > 1e-4 * low,
                "the N zeros on the diagonal (each point's distance to itself) pull the median down: keep only pairs i != j.")
        raise ExerciseError(f"for {n} points in {dim}-D you return {float(got):.4f}, expected {median_heuristic(z):.4f}: the "
                            "median over pairs i < j of the Euclidean distance ‖z_i - z_j‖.")
    passed("the median heuristic puts the bandwidth at the typical distance between two points of the data.")


def check_witness(fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, float], torch.Tensor]) -> None:
    """``fn(t, x, y, h)`` should return the witness function at each row of ``t``, a tensor of shape ``(len(t),)``."""
    for seed, (m, n, dim, h) in enumerate([(20, 30, 1, 0.5), (25, 10, 2, 1.5)]):
        x, y = _samples(seed, m, n, dim)
        t = torch.linspace(-3, 3, 7, dtype=torch.float64)[:, None].repeat(1, dim)
        got = _call(fn, t, x, y, h)
        expected = mmd_witness(t, x, y, h).double()
        require(got.numel() == expected.numel(), f"one value per row of t: expected shape {tuple(expected.shape)}, got {tuple(got.shape)}.")
        got = got.reshape(expected.shape)
        if _close(got, expected):
            continue
        require(not _close(got, -expected), "the sign is flipped: f is positive where p (the x sample) has more mass.")
        kx = torch.exp(-squared_distances(t, x) / (2 * h * h))
        ky = torch.exp(-squared_distances(t, y) / (2 * h * h))
        require(not _close(got, kx.sum(1) - ky.sum(1)), "average the kernel over each sample (divide by m and by n) instead of summing.")
        raise ExerciseError("compare with the formula f(t) = mean_i k(x_i, t) - mean_j k(y_j, t) with the Gaussian kernel "
                            "exp(-‖x - t‖² / (2 h²)); check the shapes of your kernel matrices (len(t), m) and (len(t), n).")
    passed("the witness is the mean embedding of p minus that of q, evaluated at the points t; "
           "the MMD is the gap between its average under p and under q.")
