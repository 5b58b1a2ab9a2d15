"""ganlib.exercises.vae: right answers pass, typical mistakes get their hint, wrong answers never pass."""

import math
import re

import pytest
import torch
import torch.nn.functional as F

from ganlib.exercises import ExerciseError
from ganlib.exercises.vae import (
    _activity_cases,
    check_active_units,
    check_kl_term,
    check_negative_elbo,
    check_reparameterise,
)


def kl_right(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(dim=1)


def test_kl_term_accepts_the_closed_form_and_torch_distributions(capsys):
    check_kl_term(kl_right)

    def kl_with_distributions(mu, logvar):
        q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
        p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
        return torch.distributions.kl_divergence(q, p).sum(dim=1)

    check_kl_term(kl_with_distributions)
    out = capsys.readouterr().out
    assert out.count("Correct: the closed form matches") == 2
    # the Monte Carlo estimate quoted in the message agrees with the closed form it quotes
    closed, mc = map(float, re.search(r"e\.g\. ([\d.]+) nats.* gives ([\d.]+)\.", out).groups())
    assert closed > 0.5 and mc == pytest.approx(closed, abs=0.05)


@pytest.mark.parametrize(
    "kl_fn, hint",
    [
        (lambda mu, lv: None, "returns None"),
        (lambda mu, lv: kl_right(mu, lv).sum(), "one KL per row"),
        (lambda mu, lv: 0.5 * (mu.pow(2) + lv.exp() - lv - 1).sum(dim=0), "one KL per row"),
        (lambda mu, lv: 0.5 * (mu.pow(2) + lv.exp() - lv).sum(dim=1), "must be 0"),
        (lambda mu, lv: 2 * kl_right(mu, lv), "twice"),
        (lambda mu, lv: 0.5 * (mu.pow(2) + lv.exp() + lv - 1).sum(dim=1), "sign of the log term"),
        (lambda mu, lv: 0.5 * (mu.pow(2) + lv.exp().pow(2) - 2 * lv - 1).sum(dim=1), "logvar is log σ²"),
        (lambda mu, lv: math.exp(lv), "use torch.exp"),
        (lambda mu, lv: kl_right(mu, lv).tolist(), "return a tensor"),
    ],
)
def test_kl_term_hints(kl_fn, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_kl_term(kl_fn)


def test_reparameterise_accepts_the_trick(capsys):
    check_reparameterise(lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar) * eps)
    check_reparameterise(lambda mu, logvar, eps: torch.addcmul(mu, logvar.mul(0.5).exp(), eps))
    out = capsys.readouterr().out
    assert out.count("Correct: ") == 2
    # 100,000 draws of N(2, 0.5²): the quoted moments are within a few standard errors of the truth
    mean, std = map(float, re.search(r"mean ([\d.]+) and standard deviation ([\d.]+)\.", out).groups())
    assert mean == pytest.approx(2.0, abs=0.01) and std == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda mu, lv, eps: None, "returns None"),
        (lambda mu, lv, eps: mu + torch.exp(0.5 * lv) * torch.randn_like(mu), "same eps"),
        (lambda mu, lv, eps: mu + lv.exp() * eps, "variance"),
        (lambda mu, lv, eps: mu + lv * eps, "not σ"),
        (lambda mu, lv, eps: (mu + torch.exp(0.5 * lv) * eps).detach(), "cut off from the graph"),
        (lambda mu, lv, eps: mu.detach() + torch.exp(0.5 * lv) * eps, "gradient does not reach"),
        (lambda mu, lv, eps: (mu + torch.exp(0.5 * lv) * eps)[0], "one code per row"),
        (lambda mu, lv, eps: mu * torch.exp(0.5 * lv) + eps, "shift the standard normal"),
    ],
)
def test_reparameterise_hints(fn, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_reparameterise(fn)


def test_reparameterise_rejects_right_values_with_wrong_gradients():
    def frozen_scale(mu, logvar, eps):  # the value is right, but σ is a constant to autograd
        return mu + torch.exp(0.5 * logvar).detach() * eps

    def zero_gradient(mu, logvar, eps):  # logvar is in the graph, yet its gradient is 0
        return frozen_scale(mu, logvar, eps) + 0 * logvar

    with pytest.raises(ExerciseError, match="does not reach mu or logvar"):
        check_reparameterise(frozen_scale)
    with pytest.raises(ExerciseError, match="gradients are not"):
        check_reparameterise(zero_gradient)


def activity_count(mu, threshold):
    return int((mu.var(dim=0) > threshold).sum())


def test_activity_cases_sit_where_the_hints_need_them():
    """Each typical mistake must give its own count, different from the right one."""
    mu = _activity_cases()
    counts = {
        "right": activity_count(mu, 0.01),
        "standard deviation": int(mu.std(dim=0).gt(0.01).sum()),
        "second moment": int(mu.pow(2).mean(dim=0).gt(0.01).sum()),
        "stricter": activity_count(mu, 0.03),
    }
    assert counts == {"right": 4, "standard deviation": 6, "second moment": 5, "stricter": 3}


def test_active_units_accepts_the_variance_count(capsys):
    check_active_units(activity_count)
    check_active_units(lambda mu, threshold: (mu - mu.mean(dim=0)).pow(2).mean(dim=0).gt(threshold).sum())  # biased, 0-d
    out = capsys.readouterr().out
    assert out.count("Correct: 4 of the 8 dimensions have Var μ_j > 0.01") == 2
    assert "1.0000 0.2500 0.0400 0.0225 0.0025 0.0004 0.0000 0.0000" in out


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda mu, t: None, "returns None"),
        (lambda mu, t: mu.var(dim=0) > t, "return one number"),
        (lambda mu, t: int(mu.var(dim=1).gt(t).sum()), "out of 8"),
        (lambda mu, t: int(mu.std(dim=0).gt(t).sum()), "standard deviation"),
        (lambda mu, t: int(mu.pow(2).mean(dim=0).gt(t).sum()), "around its own mean"),
        (lambda mu, t: activity_count(mu, 0.01), "threshold argument"),
        (lambda mu, t: 1, "finds 1 active"),
    ],
)
def test_active_units_hints(fn, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_active_units(fn)


def cross_entropy(x, logits):
    """-log p(x | z) of a Bernoulli decoder, summed over each image's pixels."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(dim=1)


def elbo_parts(x, mu, lv, decoder, eps, scale=lambda lv: torch.exp(0.5 * lv), z=None):
    z = mu + scale(lv) * eps if z is None else z
    return cross_entropy(x, decoder(z)), kl_right(mu, lv)


def negative_elbo_right(x, mu, lv, decoder, eps):
    reconstruction, kl = elbo_parts(x, mu, lv, decoder, eps)
    return (reconstruction + kl).mean()


def test_negative_elbo_accepts_the_worked_answer_and_equivalent_forms(capsys):
    check_negative_elbo(negative_elbo_right)

    def with_distributions(x, mu, lv, decoder, eps):  # probabilities after a sigmoid, the KL of torch.distributions
        z = mu + lv.mul(0.5).exp() * eps
        log_likelihood = -F.binary_cross_entropy(torch.sigmoid(decoder(z)), x, reduction="none").flatten(1).sum(dim=1)
        q = torch.distributions.Normal(mu, lv.mul(0.5).exp())
        kl = torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum(dim=1)
        return (kl - log_likelihood).mean()

    check_negative_elbo(with_distributions)
    out = capsys.readouterr().out
    assert out.count("Correct: −ELBO = ") == 2
    numbers = re.search(r"= ([\d.]+) nats .* reconstruction ([\d.]+) \+ KL ([\d.]+),", out).groups()
    total, reconstruction, kl = map(float, numbers)
    assert total == pytest.approx(reconstruction + kl, abs=2e-3) and kl > 5  # the digits use their codes


def test_negative_elbo_check_leaves_the_callers_random_numbers_alone():
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    check_negative_elbo(negative_elbo_right)
    assert torch.equal(torch.rand(3), expected)


def _mean(parts):
    reconstruction, kl = parts
    return (reconstruction + kl).mean()


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda x, mu, lv, d, eps: None, "returns None"),
        (lambda x, mu, lv, d, eps: negative_elbo_right(x, mu, lv, d, eps).item(), "return a tensor"),
        (lambda x, mu, lv, d, eps: F.binary_cross_entropy(d(mu), x), "returns logits"),
        (lambda x, mu, lv, d, eps: negative_elbo_right(x, mu, lv, d, torch.randn_like(mu)), "same eps give different"),
        (lambda x, mu, lv, d, eps: sum(elbo_parts(x, mu, lv, d, eps)), "one loss per image"),
        (lambda x, mu, lv, d, eps: sum(elbo_parts(x, mu, lv, d, eps))[:2], "single number"),
        (lambda x, mu, lv, d, eps: _mean(elbo_parts(x, mu, lv, d, eps, scale=torch.exp)), "not exp\\(logvar\\)"),
        (lambda x, mu, lv, d, eps: _mean(elbo_parts(x, mu, lv, d, eps, z=mu)), "you decode μ itself"),
        (lambda x, mu, lv, d, eps: (cross_entropy(x, d(mu + torch.exp(0.5 * lv) * eps)) - kl_right(mu, lv)).mean(),
         "KL enters with the wrong sign"),
        (lambda x, mu, lv, d, eps: (cross_entropy(x, d(mu + torch.exp(0.5 * lv) * eps))
                                    + 0.5 * (mu.pow(2) + lv.exp() + lv - 1).sum(dim=1)).mean(), "sign of the log term"),
        (lambda x, mu, lv, d, eps: (cross_entropy(x, d(mu + torch.exp(0.5 * lv) * eps)) + 2 * kl_right(mu, lv)).mean(),
         "twice too large"),
        (lambda x, mu, lv, d, eps: F.binary_cross_entropy_with_logits(d(mu + torch.exp(0.5 * lv) * eps), x)
         + kl_right(mu, lv).mean(), "averaged over the pixels"),
        (lambda x, mu, lv, d, eps: sum(elbo_parts(x, mu, lv, d, eps)).sum(), "summed over the batch: the loss"),
        (lambda x, mu, lv, d, eps: elbo_parts(x, mu, lv, d, eps)[0].sum() + elbo_parts(x, mu, lv, d, eps)[1].mean(),
         "average both"),
        (lambda x, mu, lv, d, eps: elbo_parts(x, mu, lv, d, eps)[0].mean() + elbo_parts(x, mu, lv, d, eps)[1].sum(),
         "average both"),
        (lambda x, mu, lv, d, eps: -negative_elbo_right(x, mu, lv, d, eps), "ELBO itself"),
        (lambda x, mu, lv, d, eps: elbo_parts(x, mu, lv, d, eps)[0].mean(), "KL term is missing"),
        (lambda x, mu, lv, d, eps: _mean(elbo_parts(x, mu, lv, d, eps, scale=lambda v: v)), "not the negative ELBO yet"),
    ],
)
def test_negative_elbo_hints(fn, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_negative_elbo(fn)
