"""Autocorrelation and effective sample size of a chain (ganlib.sampling)."""

import pytest
import torch

from ganlib.sampling import autocorrelation, effective_sample_size


def ar1(phi, n=20_000, seed=0):
    """x_t = phi x_{t-1} + noise: its autocorrelation at lag k is phi^k."""
    noise = torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    x = torch.empty(n, dtype=torch.float64)
    x[0] = noise[0]
    for t in range(1, n):
        x[t] = phi * x[t - 1] + noise[t]
    return x


def test_autocorrelation_of_an_ar1_chain_is_geometric():
    rho = autocorrelation(ar1(0.8), 5)
    assert rho[0] == pytest.approx(1.0)
    assert torch.allclose(rho, 0.8 ** torch.arange(6, dtype=torch.float64), atol=0.03)


def test_effective_sample_size_matches_theory():
    # for AR(1), n_eff = n (1 - phi) / (1 + phi)
    assert effective_sample_size(ar1(0.8)) == pytest.approx(20_000 / 9, rel=0.15)
    assert effective_sample_size(ar1(0.0)) == pytest.approx(20_000, rel=0.1)


def test_a_chain_that_never_moves_is_perfectly_correlated():
    assert torch.equal(autocorrelation(torch.zeros(50), 3), torch.ones(4, dtype=torch.float64))


def test_bad_lags_are_refused():
    with pytest.raises(ValueError, match="smaller than the chain length"):
        autocorrelation(torch.zeros(10), 10)
