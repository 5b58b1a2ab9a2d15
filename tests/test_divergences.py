import math

import pytest
import torch
from torch.distributions import Normal, kl_divergence as torch_kl

from ganlib.data.toy import gaussian_mixture_1d
from ganlib.divergences import js_divergence, kl_divergence, kl_monte_carlo, kl_normal

GRID = torch.linspace(-20, 20, 40001, dtype=torch.float64)


def _pdf(mu, sigma):
    return lambda x: Normal(mu, sigma).log_prob(x).exp()


@pytest.mark.parametrize("mu_p, s_p, mu_q, s_q", [(0.0, 1.0, 1.0, 2.0), (-1.0, 0.5, 2.0, 1.5), (0.3, 1.0, 0.3, 1.0)])
def test_closed_form_matches_torch(mu_p, s_p, mu_q, s_q):
    expected = torch_kl(Normal(mu_p, s_p), Normal(mu_q, s_q))
    assert kl_normal(mu_p, s_p, mu_q, s_q).item() == pytest.approx(expected.item(), abs=1e-6)


def test_monte_carlo_kl_converges_to_closed_form():
    p, q = Normal(0.0, 1.0), Normal(1.0, 2.0)
    exact = torch_kl(p, q).item()
    errors = []
    for n in (100, 10_000, 1_000_000):
        x = p.sample((n,))
        errors.append(abs(kl_monte_carlo(p.log_prob, q.log_prob, x).item() - exact))
    assert errors[-1] < 0.005
    assert errors[-1] < errors[0]


def test_quadrature_kl_matches_closed_form():
    value = kl_divergence(_pdf(0.0, 1.0), _pdf(1.0, 2.0), GRID)
    assert value.item() == pytest.approx(torch_kl(Normal(0.0, 1.0), Normal(1.0, 2.0)).item(), abs=1e-6)


def test_kl_is_non_negative_zero_on_equality_and_asymmetric():
    mixture = gaussian_mixture_1d()
    p = lambda x: mixture.log_prob(x.float()).double().exp()
    q = _pdf(0.0, 2.0)
    forward, reverse = kl_divergence(p, q, GRID).item(), kl_divergence(q, p, GRID).item()
    assert forward > 0 and reverse > 0 and abs(forward - reverse) > 0.01
    assert kl_divergence(q, q, GRID).item() == pytest.approx(0.0, abs=1e-9)


def test_histogram_kl_and_infinite_when_support_is_missing():
    p = torch.tensor([1.0, 1.0, 2.0])
    q = torch.tensor([2.0, 1.0, 1.0])
    expected = sum(a * math.log(a / b) for a, b in zip([0.25, 0.25, 0.5], [0.5, 0.25, 0.25]))
    assert kl_divergence(p, q).item() == pytest.approx(expected)
    assert math.isinf(kl_divergence(torch.tensor([1.0, 1.0]), torch.tensor([1.0, 0.0])).item())
    assert kl_divergence(torch.tensor([1.0, 0.0]), torch.tensor([1.0, 1.0])).item() == pytest.approx(math.log(2))


def test_js_bounds_symmetry_and_disjoint_supports():
    p, q = _pdf(0.0, 1.0), _pdf(1.5, 0.7)
    js = js_divergence(p, q, GRID).item()
    assert 0 < js < math.log(2)
    assert js == pytest.approx(js_divergence(q, p, GRID).item(), abs=1e-9)
    disjoint = js_divergence(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])).item()
    assert disjoint == pytest.approx(math.log(2))
    assert js_divergence(_pdf(0.0, 0.1), _pdf(15.0, 0.1), GRID).item() == pytest.approx(math.log(2), abs=1e-6)


def test_bad_inputs_are_explained():
    with pytest.raises(ValueError, match="grid="):
        kl_divergence(_pdf(0, 1), _pdf(0, 1))
    with pytest.raises(ValueError, match="same bins"):
        kl_divergence(torch.ones(3), torch.ones(4))
    with pytest.raises(TypeError, match="both"):
        js_divergence(_pdf(0, 1), torch.ones(3))
    with pytest.raises(ValueError, match="positive"):
        kl_normal(0.0, -1.0, 0.0, 1.0)
