"""Discriminator rejection sampling and the MH-GAN recover a known target when given the true density ratio.

The "generator" is N(0.5, 1.5²) and the "data" N(0, 1). The true log ratio log p_data - log p_g is bounded:
its maximum, at x = -0.4, is log M with M = 1.5 e^{0.1}, so exact rejection keeps a fraction 1/M of proposals.
"""

from __future__ import annotations

import math

import pytest
import torch
from scipy import stats

from ganlib.models.mlp_gan import MLPDiscriminator
from ganlib.ratio_sampling import (
    calibrate_classifier,
    discriminator_rejection_sample,
    drs_log_acceptance,
    fit_density_ratio,
    mh_gan_sample,
)

MEAN, STD = 0.5, 1.5
LOG_M = math.log(STD) + 0.1  # max over x of -x²/2 + (x - 0.5)²/(2 · 2.25) + log 1.5, at x = -0.4


def propose(n: int, generator: torch.Generator) -> torch.Tensor:
    return MEAN + STD * torch.randn(n, 1, generator=generator, dtype=torch.float64)


def true_log_ratio(x: torch.Tensor) -> torch.Tensor:
    x = x[:, 0]
    return -0.5 * x**2 + 0.5 * ((x - MEAN) / STD) ** 2 + math.log(STD)


def ks_p_value(samples: torch.Tensor) -> float:
    return stats.kstest(samples[:, 0].numpy(), "norm").pvalue


def test_the_closed_form_bound_is_the_largest_ratio():
    x = torch.linspace(-5, 5, 100_001, dtype=torch.float64)[:, None]
    assert true_log_ratio(x).max().item() == pytest.approx(LOG_M, abs=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_rejection_recovers_the_target_and_keeps_one_in_m(seed):
    result = discriminator_rejection_sample(propose, true_log_ratio, 4000, generator=torch.Generator().manual_seed(seed),
                                            log_bound=LOG_M)
    assert result.samples.shape == (4000, 1)
    assert ks_p_value(result.samples) > 1e-3
    assert ks_p_value(propose(4000, torch.Generator().manual_seed(seed))) < 1e-6, "the proposal alone is rejected"
    # the number kept of N proposals is binomial(N, 1/M): 5 standard errors
    n_proposed = result.generator_calls
    assert abs(result.acceptance_rate - math.exp(-LOG_M)) < 5 * math.sqrt(math.exp(-LOG_M) / n_proposed)


def test_estimated_bound_from_a_burn_in_gives_the_target_too():
    result = discriminator_rejection_sample(propose, true_log_ratio, 4000, generator=torch.Generator().manual_seed(3))
    assert ks_p_value(result.samples) > 1e-3
    assert result.acceptance_rate == pytest.approx(math.exp(-LOG_M), abs=0.03)
    assert result.generator_calls >= 1000 + 4000 * 1.5  # the burn-in, then about M proposals per sample


def test_the_gamma_shift_keeps_more_samples():
    exact = discriminator_rejection_sample(propose, true_log_ratio, 2000, generator=torch.Generator().manual_seed(4))
    shifted = discriminator_rejection_sample(propose, true_log_ratio, 2000, generator=torch.Generator().manual_seed(4),
                                             gamma=-2.0)
    assert shifted.acceptance_rate > exact.acceptance_rate + 0.1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mh_gan_recovers_the_target(seed):
    result = mh_gan_sample(propose, true_log_ratio, 4000, generator=torch.Generator().manual_seed(seed), chain_length=30)
    assert result.samples.shape == (4000, 1)
    assert ks_p_value(result.samples) > 1e-3
    assert 0.5 < result.acceptance_rate < 0.95  # an independence sampler with a close proposal moves often
    assert result.generator_calls == 4000 * 31
    assert result.calls_per_sample == 31, "the chain length + 1 proposals per sample"


def test_the_samplers_leave_the_global_random_numbers_alone():
    before = torch.get_rng_state()
    discriminator_rejection_sample(propose, true_log_ratio, 10, generator=torch.Generator().manual_seed(0))
    mh_gan_sample(propose, true_log_ratio, 10, generator=torch.Generator().manual_seed(0))
    assert torch.equal(torch.get_rng_state(), before)


def test_a_ratio_for_other_data_is_refused_with_the_fix():
    discriminator = torch.nn.Linear(784, 1).double()  # an image discriminator, given 2-D points
    with pytest.raises(ValueError, match="same shape"):
        mh_gan_sample(propose, lambda x: discriminator(x), 10, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="one log ratio per sample"):
        mh_gan_sample(propose, lambda x: torch.zeros(3), 10, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="NaN"):
        mh_gan_sample(propose, lambda x: torch.full((x.shape[0],), math.nan), 10, generator=torch.Generator().manual_seed(0))


def test_a_bound_below_the_ratio_is_refused():
    with pytest.raises(ValueError, match="above log_bound"):
        discriminator_rejection_sample(propose, true_log_ratio, 100, generator=torch.Generator().manual_seed(0),
                                       log_bound=LOG_M - 0.5)


def test_a_hopeless_acceptance_stops_at_the_budget_instead_of_looping():
    def spiky(x: torch.Tensor) -> torch.Tensor:  # the ratio is M = e^30 only beyond 5 standard deviations
        return torch.where(x[:, 0] > MEAN + 5 * STD, 30.0, 0.0).double()

    with pytest.raises(RuntimeError, match="Raise max_calls"):
        discriminator_rejection_sample(propose, spiky, 100, generator=torch.Generator().manual_seed(0),
                                       log_bound=30.0, max_calls=20_000)
    with pytest.raises(ValueError, match="positive integer"):
        mh_gan_sample(propose, true_log_ratio, 0, generator=torch.Generator().manual_seed(0))


def test_a_classifier_trained_post_hoc_and_calibrated_estimates_the_ratio():
    """No true ratio given: a small MLP learns it from 4,000 samples of each, and DRS with it corrects the proposal."""
    data = torch.Generator().manual_seed(5)
    real, held_out = torch.randn(4000, 1, generator=data), torch.randn(2000, 1, generator=data)
    propose32 = lambda n, g: propose(n, g).float()  # noqa: E731 - the networks are float32
    ratio = fit_density_ratio(MLPDiscriminator(data_dim=1, hidden=32, depth=2), real, held_out, propose32,
                              generator=torch.Generator().manual_seed(6), steps=600)
    grid = torch.linspace(-2, 2, 41)[:, None]
    assert (ratio(grid) - true_log_ratio(grid.double())).abs().max() < 0.5
    assert ratio.error_after < 0.08  # over 8 seeds at most 0.032: 1,000 held-out samples a class make the ECE noisy
    corrected = discriminator_rejection_sample(propose32, ratio, 3000, generator=torch.Generator().manual_seed(7))
    assert abs(corrected.samples.mean().item()) < 0.15 and abs(corrected.samples.std().item() - 1) < 0.15, (
        "the proposal has mean 0.5 and standard deviation 1.5; the corrected samples are close to N(0, 1)")


def test_a_ratio_of_other_data_is_refused_before_training():
    with pytest.raises(ValueError, match="generator's kind"):
        fit_density_ratio(MLPDiscriminator(data_dim=2), torch.zeros(100, 2), torch.zeros(50, 2), propose,
                          generator=torch.Generator().manual_seed(0), steps=1)


def test_drs_acceptance_is_r_over_m_and_the_shift_moves_it_as_stated():
    log_r = torch.tensor([-6.0, -2.0, -0.5, 0.0], dtype=torch.float64)
    exact = drs_log_acceptance(log_r, 0.0)
    assert torch.equal(exact, log_r)
    assert torch.allclose(drs_log_acceptance(log_r, 0.0, gamma=0.0), exact, atol=1e-5), "gamma = 0 is the exact rule"
    kept_more, kept_less = drs_log_acceptance(log_r, 0.0, gamma=-2.0), drs_log_acceptance(log_r, 0.0, gamma=2.0)
    below = log_r < 0  # at r = M every rule keeps the sample
    assert (kept_more[below] > exact[below]).all() and (kept_less[below] < exact[below]).all() and (kept_more <= 0).all()
    # a small r/M is multiplied by about e^{-gamma} by the shift
    assert math.exp(kept_more[0] - exact[0]) == pytest.approx(math.exp(2.0), rel=0.03)  # r/M = e^-6: 7.27 vs e^2 = 7.39


def test_a_ratio_fitted_on_features_is_applied_through_them():
    """On the features (x, x^2) the true log ratio of two Gaussians is linear, so a logistic regression finds it."""
    data = torch.Generator().manual_seed(8)
    real, held_out = torch.randn(4000, 1, generator=data), torch.randn(2000, 1, generator=data)
    propose32 = lambda n, g: propose(n, g).float()  # noqa: E731
    ratio = fit_density_ratio(torch.nn.Linear(2, 1), real, held_out, propose32, generator=torch.Generator().manual_seed(9),
                              steps=1500, lr=1e-2, features=lambda x: torch.cat([x, x**2], dim=1))
    grid = torch.linspace(-2, 2, 41)[:, None]
    assert (ratio(grid) - true_log_ratio(grid.double())).abs().max() < 0.25


class OverConfident(torch.nn.Module):
    """A 'saved discriminator' whose logit is twice the true log ratio, plus one."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 2 * true_log_ratio(x.double()) + 1


def test_a_bare_network_is_refused_until_calibrated():
    with pytest.raises(TypeError, match="calibrate_classifier"):
        discriminator_rejection_sample(propose, OverConfident(), 10, generator=torch.Generator().manual_seed(0))
    with pytest.raises(TypeError, match="only once it is calibrated"):
        mh_gan_sample(propose, OverConfident(), 10, generator=torch.Generator().manual_seed(0))


def test_a_saved_discriminator_is_calibrated_without_training_and_then_sampled_with():
    held_out = torch.randn(20_000, 1, generator=torch.Generator().manual_seed(10), dtype=torch.float64)
    ratio = calibrate_classifier(OverConfident(), held_out, propose, generator=torch.Generator().manual_seed(11))
    assert ratio.calibration.scale == pytest.approx(0.5, abs=0.05) and ratio.calibration.shift == pytest.approx(-0.5, abs=0.1)
    assert ratio.error_after < ratio.error_before
    result = mh_gan_sample(propose, ratio, 4000, generator=torch.Generator().manual_seed(12), chain_length=30)
    assert ks_p_value(result.samples) > 1e-3
