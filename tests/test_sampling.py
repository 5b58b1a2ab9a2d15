import math

import pytest
import torch
from scipy import stats

from ganlib.data.toy import gaussian_mixture_1d
from ganlib.sampling import (
    importance_estimate,
    inverse_transform,
    inverse_transform_discrete,
    metropolis_accept,
    metropolis_hastings,
    metropolis_step,
    numerical_inverse_cdf,
    rejection_sample,
    rejection_step,
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


def test_rejection_step_keeps_proposals_with_u_below_the_acceptance_probability():
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    u = torch.tensor([0.1, 0.6, 0.4, 0.9], dtype=torch.float64)
    density = lambda v: torch.ones_like(v)
    # p = q and M = 2: each proposal is kept with probability 1/2, i.e. when u < 0.5, in order
    assert torch.equal(rejection_step(x, u, density, density, 2.0), torch.tensor([1.0, 3.0], dtype=torch.float64))


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


def test_metropolis_step_moves_uphill_always_and_downhill_when_log_u_is_below_the_log_ratio():
    log_target = lambda x: -0.5 * x**2
    x = torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=torch.float64)
    noise = torch.tensor([-1.0, 1.0, 1.0, 1.0], dtype=torch.float64)  # uphill, then downhill by 1/2, 1/2 and 3/2
    u = torch.tensor([0.99, 0.6, 0.7, 0.2], dtype=torch.float64)  # exp(-1/2) = 0.607, exp(-3/2) = 0.223
    state, log_p, accepted = metropolis_step(x, log_target, noise, u)
    assert accepted.tolist() == [True, True, False, True]
    assert state.tolist() == [0.0, 1.0, 0.0, 2.0]
    assert torch.equal(log_p, log_target(state))


def test_metropolis_step_takes_one_decision_per_multidimensional_chain():
    log_target = lambda x: -0.5 * (x**2).sum(-1)
    x, noise = torch.zeros(3, 2, dtype=torch.float64), torch.ones(3, 2, dtype=torch.float64)  # log ratio -1
    state, _, accepted = metropolis_step(x, log_target, noise, torch.tensor([0.3, 0.5, 0.4], dtype=torch.float64))
    assert accepted.tolist() == [True, False, False]  # exp(-1) = 0.368
    assert state.tolist() == [[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]]


def test_one_metropolis_step_keeps_the_target_distribution(gen):
    """Detailed balance: chains that start as exact draws of p are still draws of p after a step."""
    n = 200_000
    x = torch.randn(n, generator=gen, dtype=torch.float64)
    noise = 2.0 * torch.randn(n, generator=gen, dtype=torch.float64)
    u = torch.rand(n, generator=gen, dtype=torch.float64)
    state, _, accepted = metropolis_step(x, lambda v: -0.5 * v**2, noise, u)
    assert 0.3 < accepted.double().mean() < 0.7
    assert abs(state.mean().item()) < 0.015  # 6 standard errors of the mean of 200,000 draws of N(0, 1)
    assert state.var().item() == pytest.approx(1.0, abs=0.02)
    assert stats.kstest(state.numpy(), stats.norm.cdf).pvalue > ALPHA


def test_metropolis_accept_with_importance_weights_is_an_independence_sampler(gen):
    """One step from exact draws of p = N(0, 1) with independent proposals q = N(1, 2^2) and w = p / q keeps p."""
    n = 200_000
    x = torch.randn(n, generator=gen, dtype=torch.float64)
    proposal = 1 + 2 * torch.randn(n, generator=gen, dtype=torch.float64)
    p, q = stats.norm(0, 1), stats.norm(1, 2)

    def log_w(v: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(p.logpdf(v.numpy()) - q.logpdf(v.numpy()))

    u = torch.rand(n, generator=gen, dtype=torch.float64)
    state, log_w_state, accepted = metropolis_accept(x, log_w(x), proposal, log_w(proposal), u)
    assert torch.equal(log_w_state, log_w(state))
    assert 0.3 < accepted.double().mean() < 0.9
    assert stats.kstest(state.numpy(), p.cdf).pvalue > ALPHA
    assert stats.kstest(proposal.numpy(), p.cdf).pvalue < 1e-6, "the proposals alone are not draws of p"


def test_metropolis_hastings_rejects_bad_step():
    with pytest.raises(ValueError, match="step_size"):
        metropolis_hastings(lambda x: -x.sum(), 0.0, 10, step_size=0.0)


def _importance_draws(n, generator, scale=2.0):
    """Draws of q = N(0, scale^2) and the log-weights of the unnormalised target exp(-x^2/2), whose Z is sqrt(2 pi)."""
    x = scale * torch.randn(n, generator=generator, dtype=torch.float64)
    log_q = -0.5 * (x / scale) ** 2 - math.log(scale * math.sqrt(2 * math.pi))
    return x, -0.5 * x**2 - log_q


def test_importance_normaliser_estimate_is_unbiased_even_from_ten_draws(gen):
    # E_q[w^2] = s^2 Z^2 / sqrt(2 s^2 - 1) for q = N(0, s^2), so each w has a known variance
    z, s, groups = math.sqrt(2 * math.pi), 2.0, 5000
    var_w = s**2 * z**2 / math.sqrt(2 * s**2 - 1) - z**2
    estimates = [math.exp(importance_estimate(*_importance_draws(10, gen)).log_normaliser) for _ in range(groups)]
    standard_error = math.sqrt(var_w / 10 / groups)
    assert sum(estimates) / groups == pytest.approx(z, abs=6 * standard_error)


def test_importance_self_normalised_mean_and_effective_sample_size_match_closed_forms(gen):
    x, log_w = _importance_draws(200_000, gen)
    result = importance_estimate(torch.stack([x, x**2], dim=1), log_w)
    exact = torch.tensor([0.0, 1.0], dtype=torch.float64)  # E_p[x] and E_p[x^2]
    assert torch.allclose(result.mean, exact, atol=0.02)  # about 8 standard errors
    # ESS / n tends to Z^2 / E_q[w^2] = sqrt(2 s^2 - 1) / s^2 = sqrt(7) / 4 for s = 2
    assert result.effective_sample_size / 200_000 == pytest.approx(math.sqrt(7) / 4, abs=0.01)


def test_importance_estimate_with_equal_or_one_dominant_weight():
    values = torch.tensor([1.0, 2.0, 3.0, 6.0])
    equal = importance_estimate(values, torch.full((4,), 0.5))
    assert equal.mean.item() == pytest.approx(3.0)
    assert equal.log_normaliser == pytest.approx(0.5)
    assert equal.effective_sample_size == pytest.approx(4.0)
    one = importance_estimate(values, torch.tensor([0.0, 0.0, 50.0, 0.0]))
    assert one.mean.item() == pytest.approx(3.0)
    assert one.effective_sample_size == pytest.approx(1.0)


def test_importance_estimate_works_in_logs_without_overflow():
    values, log_w = torch.tensor([1.0, 2.0, 4.0]), torch.tensor([0.0, 1.0, 2.0])
    plain, shifted = importance_estimate(values, log_w), importance_estimate(values, log_w + 1000.0)
    assert shifted.mean.item() == pytest.approx(plain.mean.item())
    assert shifted.effective_sample_size == pytest.approx(plain.effective_sample_size)
    assert shifted.log_normaliser == pytest.approx(plain.log_normaliser + 1000.0)


def test_importance_estimate_needs_one_value_per_weight():
    with pytest.raises(ValueError, match="values of shape"):
        importance_estimate(torch.zeros(3), torch.zeros(4))
