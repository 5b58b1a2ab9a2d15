"""ganlib.likelihood (and the ganlib.divergences it builds on): MLE, KL fits and the facts notebook 02 relies on."""

import math

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from ganlib.data.toy import GaussianMixture, gaussian_mixture_1d
from ganlib.divergences import js_divergence, kl_monte_carlo, kl_normal
from ganlib.likelihood import (
    fit_gaussian_gradient_ascent,
    fit_gaussian_kl,
    gaussian_divergences,
    gaussian_log_likelihood,
    gaussian_mle,
    moment_match,
)


@pytest.fixture(scope="module")
def data() -> torch.Tensor:
    return 1.5 + 0.8 * torch.randn(1000, generator=torch.Generator().manual_seed(0))


@pytest.fixture(scope="module")
def mixture():
    return gaussian_mixture_1d()


@pytest.fixture(scope="module")
def kl_fits(mixture):
    return {
        "forward": fit_gaussian_kl(mixture, "forward", generator=torch.Generator().manual_seed(0)),
        "reverse right": fit_gaussian_kl(mixture, "reverse", init=(3.0, 1.0), generator=torch.Generator().manual_seed(0)),
        "reverse left": fit_gaussian_kl(mixture, "reverse", init=(-3.0, 1.0), generator=torch.Generator().manual_seed(0)),
    }


def test_closed_form_mle_is_sample_mean_and_biased_std(data):
    fit = gaussian_mle(data)
    assert fit.mean == pytest.approx(float(data.mean()), abs=1e-6)
    assert fit.std == pytest.approx(float(data.std(correction=0)), abs=1e-6)
    assert fit.std < float(data.std(correction=1))
    # a maximum: nudging either parameter lowers the log-likelihood
    best = gaussian_log_likelihood(data, fit.mean, fit.std)
    for mean, std in [(fit.mean + 0.05, fit.std), (fit.mean - 0.05, fit.std), (fit.mean, fit.std * 1.05), (fit.mean, fit.std / 1.05)]:
        assert gaussian_log_likelihood(data, mean, std) < best


def test_mle_accepts_column_vectors_and_rejects_bad_shapes():
    column = torch.tensor([[1.0], [2.0], [4.0]])
    assert gaussian_mle(column).mean == pytest.approx(7 / 3)
    with pytest.raises(ValueError, match="shape"):
        gaussian_mle(torch.zeros(3, 2))
    with pytest.raises(ValueError, match="at least 2"):
        gaussian_mle(torch.tensor([1.0]))
    with pytest.raises(ValueError, match="all the values are equal"):
        gaussian_mle(torch.ones(5))


def test_gradient_ascent_reaches_the_closed_form_mle(data):
    closed = gaussian_mle(data)
    fit = fit_gaussian_gradient_ascent(data, steps=300, lr=0.1)
    assert fit.mean == pytest.approx(closed.mean, abs=1e-4)
    assert fit.std == pytest.approx(closed.std, abs=1e-4)
    history = torch.tensor(fit.history)
    assert len(history) == 300
    assert (history.diff() >= -1e-6).all(), "gradient ascent with a small step must not go downhill"
    assert history[-1] == pytest.approx(float(gaussian_log_likelihood(data, closed.mean, closed.std)), abs=1e-5)


def test_gradient_ascent_with_too_large_a_step_fails_clearly():
    narrow = 0.01 * torch.randn(100, generator=torch.Generator().manual_seed(1))
    with pytest.raises(RuntimeError, match="lower lr"):
        fit_gaussian_gradient_ascent(narrow, steps=50, lr=1.0, init=(1.0, 0.01))


def test_monte_carlo_kl_converges_to_the_closed_form():
    p, q = Normal(0.0, 1.0), Normal(1.0, 2.0)
    exact = float(kl_divergence(p, q))
    assert float(kl_normal(0.0, 1.0, 1.0, 2.0)) == pytest.approx(exact, rel=1e-6)
    generator = torch.Generator().manual_seed(0)

    def mean_abs_error(n: int, repeats: int = 30) -> float:
        errors = [
            abs(float(kl_monte_carlo(p.log_prob, q.log_prob, torch.randn(n, generator=generator))) - exact)
            for _ in range(repeats)
        ]
        return sum(errors) / repeats

    small, large = mean_abs_error(100), mean_abs_error(10_000)
    assert large < small / 4, "the error should shrink like 1/sqrt(N): 100x the samples, about 10x smaller"
    assert large < 0.01


def test_kl_is_non_negative_and_zero_only_for_equal_gaussians():
    generator = torch.Generator().manual_seed(0)
    mu = 4 * torch.rand(200, 2, generator=generator) - 2
    std = 0.2 + 2 * torch.rand(200, 2, generator=generator)
    kl = kl_normal(mu[:, 0], std[:, 0], mu[:, 1], std[:, 1])
    assert (kl > 0).all()
    assert float(kl_normal(0.7, 1.3, 0.7, 1.3)) == pytest.approx(0.0, abs=1e-7)


@pytest.mark.parametrize("mean, std", [(0.0, 1.0), (-2.0, 0.5), (1.5, 0.8), (4.0, 0.4), (-4.0, 0.4), (-4.0, 3.0), (0.1, 1.85)])
def test_divergences_to_the_mixture_are_in_range(mixture, mean, std):
    values = gaussian_divergences(mixture, mean, std)
    assert values.forward_kl > 0 and values.reverse_kl > 0
    assert math.isfinite(values.forward_kl) and math.isfinite(values.reverse_kl)
    assert 0 < values.js <= math.log(2)


def test_gaussian_divergences_agree_with_closed_form_for_a_one_mode_target():
    target = gaussian_mixture_1d(means=(0.5,), stds=(1.2,), weights=(1.0,))
    values = gaussian_divergences(target, -1.0, 0.7)
    assert values.forward_kl == pytest.approx(float(kl_normal(0.5, 1.2, -1.0, 0.7)), rel=1e-4)
    assert values.reverse_kl == pytest.approx(float(kl_normal(-1.0, 0.7, 0.5, 1.2)), rel=1e-4)


def test_js_saturates_at_ln2_for_distant_distributions():
    grid = torch.linspace(-10, 40, 20001, dtype=torch.float64)
    near = js_divergence(Normal(0.0, 1.0).log_prob(grid).exp(), Normal(1.0, 1.0).log_prob(grid).exp())
    far = js_divergence(Normal(0.0, 1.0).log_prob(grid).exp(), Normal(30.0, 1.0).log_prob(grid).exp())
    assert 0 < float(near) < 0.2
    assert float(far) == pytest.approx(math.log(2), abs=1e-6)


def test_moment_match_gives_the_mixture_mean_and_std(mixture):
    fit = moment_match(mixture)
    assert fit.mean == pytest.approx(0.4 * -2.0 + 0.6 * 1.5, abs=1e-6)
    assert fit.std == pytest.approx(math.sqrt(0.4 * (0.25 + 4) + 0.6 * (0.64 + 2.25) - 0.1**2), abs=1e-6)
    samples = mixture.sample(200_000, generator=torch.Generator().manual_seed(0))
    assert fit.std == pytest.approx(float(samples.std()), abs=0.02)


def test_forward_kl_fit_matches_the_moments_of_the_mixture(mixture, kl_fits):
    fit, theory = kl_fits["forward"], moment_match(mixture)
    assert fit.mean == pytest.approx(theory.mean, abs=0.1)
    assert fit.std == pytest.approx(theory.std, abs=0.08)
    assert fit.history[-1] < fit.history[0]


@pytest.mark.parametrize("name, mode", [("reverse right", 1), ("reverse left", 0)])
def test_reverse_kl_fit_sits_on_one_mode_with_its_spread(mixture, kl_fits, name, mode):
    fit = kl_fits[name]
    assert fit.mean == pytest.approx(float(mixture.means[mode, 0]), abs=0.15)
    assert fit.std == pytest.approx(float(mixture.stds[mode]), rel=0.2)


def test_each_fit_wins_on_the_divergence_it_minimised(mixture, kl_fits):
    values = {name: gaussian_divergences(mixture, fit.mean, fit.std) for name, fit in kl_fits.items()}
    for name in ("reverse right", "reverse left"):
        assert values["forward"].forward_kl < values[name].forward_kl
    assert values["reverse right"].reverse_kl < values["forward"].reverse_kl


def test_fit_gaussian_kl_rejects_bad_arguments(mixture):
    with pytest.raises(ValueError, match="'forward'"):
        fit_gaussian_kl(mixture, "backward")
    with pytest.raises(ValueError, match="1-D"):
        fit_gaussian_kl(GaussianMixture([[0.0, 0.0]]), "forward")
    with pytest.raises(ValueError, match="positive"):
        fit_gaussian_kl(mixture, "reverse", init=(0.0, -1.0))


@pytest.mark.parametrize("lr", [1.05, 1.2, 2.0, 3.0])
def test_gradient_ascent_refuses_a_step_that_overshoots_the_maximum(lr):
    """Above lr = 1 the curvature 2 along log σ makes the iterates overshoot: a 2-cycle just above 1 (every
    number finite, σ wrong), chaos or divergence further up. The fit must say so instead of returning."""
    data = 1.5 + 0.8 * torch.randn(1000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    with pytest.raises(RuntimeError, match="lr"):
        fit_gaussian_gradient_ascent(data, steps=150, lr=lr)


def test_gradient_ascent_below_the_bound_reaches_the_closed_form():
    data = 1.5 + 0.8 * torch.randn(1000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    closed = gaussian_mle(data)
    fit = fit_gaussian_gradient_ascent(data, steps=150, lr=0.9)
    assert fit.mean == pytest.approx(closed.mean, abs=1e-6) and fit.std == pytest.approx(closed.std, abs=1e-6)
