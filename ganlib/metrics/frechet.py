r"""Fréchet distance between two sets of features, each summarised by its mean and covariance.

For the Gaussians :math:`\mathcal N(\mu_a, \Sigma_a)` and :math:`\mathcal N(\mu_b, \Sigma_b)` the
squared Fréchet (2-Wasserstein) distance has a closed form,

.. math:: d^2 = \lVert \mu_a - \mu_b \rVert^2
               + \operatorname{tr}\big(\Sigma_a + \Sigma_b - 2\,(\Sigma_a \Sigma_b)^{1/2}\big).

On Inception features of natural images this is the FID; here the features come from the MNIST
classifier of :mod:`ganlib.metrics.features`. Estimated from samples, :math:`d^2` is biased upwards by a
term that shrinks like :math:`1/n`, so two samples of the *same* distribution do not score 0. The
:func:`frechet_floor` measures that floor on real data, and a generator is best read as a multiple of it.
"""

from __future__ import annotations

import numpy as np
import torch

from ganlib.checks import check_count
from ganlib.metrics.features import classifier_features


def _features(feats: torch.Tensor | np.ndarray, name: str) -> np.ndarray:
    """``feats`` as a float64 NumPy array ``(n, d)`` with enough rows for a non-singular covariance."""
    array = torch.as_tensor(feats).detach().cpu().double().numpy()
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape (samples, features), got shape {array.shape}.")
    n, d = array.shape
    if n <= d:
        raise ValueError(
            f"{name} has {n} samples of {d} features: the covariance of n samples has rank at most n - 1, so "
            f"with n <= d it is singular and the distance is mostly noise. Use at least {d + 1} samples "
            "(1,000 or more for a stable value)."
        )
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values; check the generator's outputs.")
    return array


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    r"""Square root of a symmetric positive semi-definite matrix, :math:`V \operatorname{diag}(\sqrt{\lambda}) V^\top`.

    Eigenvalues that rounding made slightly negative are set to 0, so a singular matrix is fine.
    """
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(values.clip(min=0))) @ vectors.T


def frechet_distance(feats_a: torch.Tensor | np.ndarray, feats_b: torch.Tensor | np.ndarray) -> float:
    r"""Squared Fréchet distance between Gaussians fitted to ``feats_a`` and ``feats_b`` (each ``(n, d)``).

    The trace of :math:`(\Sigma_a \Sigma_b)^{1/2}` is computed through the symmetric matrix
    :math:`M = \Sigma_a^{1/2}\, \Sigma_b\, \Sigma_a^{1/2}`, which has the same eigenvalues
    :math:`\lambda_i \ge 0` as :math:`\Sigma_a \Sigma_b`, so that
    :math:`\operatorname{tr}(\Sigma_a \Sigma_b)^{1/2} = \sum_i \sqrt{\lambda_i}`. Only symmetric
    eigen-decompositions are used: no complex numbers, and singular covariances give a finite value.
    """
    a, b = _features(feats_a, "feats_a"), _features(feats_b, "feats_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"the two sets have different feature sizes ({a.shape[1]} and {b.shape[1]}); "
            "compare features of the same network."
        )
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    root_a = _sqrt_psd(cov_a)
    middle = root_a @ cov_b @ root_a
    trace_sqrt = np.sqrt(np.linalg.eigvalsh((middle + middle.T) / 2).clip(min=0)).sum()
    d2 = ((mean_a - mean_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt
    return max(float(d2), 0.0)  # d² >= 0; rounding can leave -1e-12 for identical sets


def frechet_floor(real: torch.Tensor, n: int, seed: int = 0) -> float:
    """Fréchet distance between two disjoint random sets of ``n`` real samples: what a perfect generator scores.

    ``real`` is either a feature matrix ``(N, d)`` or real images (any shape ``classifier_features``
    takes, including ``(N, 784)``), of which ``2n`` are drawn without replacement.
    """
    check_count(n, "n")
    real = torch.as_tensor(real)
    if real.ndim == 0 or real.shape[0] < 2 * n:
        found = real.shape[0] if real.ndim else 0
        raise ValueError(f"the floor at n={n} needs 2n = {2 * n} real samples, got {found}; lower n or pass more data.")
    order = torch.randperm(real.shape[0], generator=torch.Generator().manual_seed(seed)).to(real.device)
    first, second = real[order[:n]], real[order[n : 2 * n]]
    if real.ndim in (3, 4) or real.shape[1] == 28 * 28:  # images: compare their classifier features
        first, second = classifier_features(first), classifier_features(second)
    return frechet_distance(first, second)
