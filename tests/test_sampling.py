import math

import pytest
import torch
from scipy import stats

from ganlib.data.toy import gaussian_mixture_1d
from ganlib.sampling import (
    inverse_transform,
    inverse_transform_discrete,
    metropolis_hastings,
    numerical_inverse_cdf,
    rejection_sample,
)

ALPHA = 0.001  # tests run at fixed seeds; a p-value below this means the sampler is wrong


def test_inverse_transform_exponential_passes_ks(gen):
    rate = 2.0
    x = inverse_transform(lambda u: -torch.log1p(-u) / rate, 5000, gen)
    assert stats.kstest(x.numpy(), stats.expon(scale=1 / rate).cdf).pvalue > ALPHA


def test_inverse_transform_with_a_wrong_inverse_fails_ks(gen):
    x = inverse_transform(lambda u: -torch.log1p(-u) / 1.0, 5000, gen)  # rate 1, tested against rate 2
    assert stats.kstest(x.numpy(), stats.expon(scale=0.5).cdf).pvalue < ALPHA


def test_numerical_inverse_of_mixture_cdf(gen):
    mixture = gaussian_mixture_1d()
    inverse = numerical_inverse_cdf(mixture.cdf, -15.0, 15.0, tol=1e-7)
    u = torch.tensor([0.05, 0.5, 0.95], dtype=torch.float64)
    assert torch.allclose(mixture.cdf(inverse(u)).double(), u, atol=1e-5)
    x = inverse_transform(inverse, 4000, gen)
    cdf = lambda v: mixture.cdf(torch.as_tensor(v, dtype=torch.float32)).numpy()
    assert stats.kstest(x.numpy(), cdf).pvalue > ALPHA


def test_numerical_inverse_needs_a_bracket():
    with pytest.raises(ValueError, match="low < high"):
        numerical_inverse_cdf(lambda x: x, 1.0, 1.0)


def test_discrete_inverse_transform_passes_chi_square(gen):
    probs = torch.tensor([0.1, 0.2, 0.3, 0.4])
    k = inverse_transform_discrete(probs, 10000, gen)
    counts = torch.bincount(k, minlength=4).numpy()
    assert stats.chisquare(counts, 10000 * probs.numpy()).pvalue > ALPHA


def test_discrete_probabilities_are_validated():
    with pytest.raises(ValueError, match="sum to 1"):
        inverse_transform_discrete(torch.tensor([0.5, 0.6]), 10)


def _normal_pdf(x, scale):
    return torch.exp(-0.5 * (x / scale) ** 2) / (scale * math.sqrt(2 * math.pi))


def test_rejection_sampling_distribution_and_acceptance_rate(gen):
    mixture = gaussian_mixture_1d()
    target = lambda x: mixture.log_prob(x.float()).double().exp()
    proposal = lambda k, g: 3.0 * torch.randn(k, generator=g, dtype=torch.float64)
    M = 4.0
    result = rejection_sample(target, proposal, lambda x: _normal_pdf(x, 3.0), M, 5000, gen)
    assert result.samples.shape == (5000,)
    assert result.acceptance_rate == pytest.approx(1 / M, abs=0.01)
    cdf = lambda v: mixture.cdf(torch.as_tensor(v, dtype=torch.float32)).numpy()
    assert stats.kstest(result.samples.numpy(), cdf).pvalue > ALPHA


def test_rejection_refuses_an_envelope_below_the_target(gen):
    target = lambda x: _normal_pdf(x, 1.0)
    proposal = lambda k, g: torch.randn(k, generator=g, dtype=torch.float64)
    with pytest.raises(ValueError, match="Increase M to at least"):
        rejection_sample(target, proposal, lambda x: _normal_pdf(x, 1.0), 0.5, 100, gen)


@pytest.mark.parametrize("n", [0, -1])
def test_non_positive_counts_are_refused(n):
    with pytest.raises(ValueError, match="positive integer"):
        inverse_transform(lambda u: u, n)


def test_metropolis_hastings_matches_target_moments(gen):
    mixture = gaussian_mixture_1d()
    log_target = lambda x: mixture.log_prob(x.float()).sum().double()
    result = metropolis_hastings(log_target, 0.0, 30000, step_size=2.0, generator=gen)
    chain = result.chain[2000:]
    mean = (mixture.weights * mixture.means[:, 0]).sum().item()
    second = (mixture.weights * (mixture.stds**2 + mixture.means[:, 0] ** 2)).sum().item()
    assert chain.mean().item() == pytest.approx(mean, abs=0.15)
    assert chain.var().item() == pytest.approx(second - mean**2, rel=0.1)
    assert 0.2 < result.acceptance_rate < 0.8


def test_metropolis_hastings_2d_standard_normal(gen):
    result = metropolis_hastings(lambda x: -0.5 * (x**2).sum(), torch.zeros(2), 20000, 1.0, gen)
    chain = result.chain[1000:]
    assert result.chain.shape == (20000, 2)
    assert torch.allclose(chain.mean(0), torch.zeros(2, dtype=torch.float64), atol=0.1)
    assert torch.allclose(chain.var(0), torch.ones(2, dtype=torch.float64), atol=0.12)


def test_tiny_step_accepts_almost_everything_and_huge_step_almost_nothing(gen):
    log_target = lambda x: -0.5 * (x**2).sum()
    assert metropolis_hastings(log_target, 0.0, 2000, 0.01, gen).acceptance_rate > 0.95
    assert metropolis_hastings(log_target, 0.0, 2000, 100.0, gen).acceptance_rate < 0.05


def test_metropolis_hastings_rejects_bad_step():
    with pytest.raises(ValueError, match="step_size"):
        metropolis_hastings(lambda x: -x.sum(), 0.0, 10, step_size=0.0)
