"""The self-checks of notebook 01 accept right answers and reject wrong ones with a hint."""

import math

import pytest
import torch

from ganlib.exercises import ExerciseError
from ganlib.exercises.sampling import (
    BEST_M,
    check_accept_reject,
    check_best_envelope,
    check_cauchy_inverse_cdf,
    check_mh_step,
    check_step_size_tuner,
)
from ganlib.sampling import metropolis_hastings


def test_cauchy_inverse_cdf_accepts_the_inverse(capsys):
    check_cauchy_inverse_cdf(lambda u: torch.tan(math.pi * (u - 0.5)))
    out = capsys.readouterr().out
    assert out.startswith("Correct:")
    assert "(exact: -1, 0, 1)" in out


def test_cauchy_inverse_cdf_accepts_the_inverse_of_the_survival_function(capsys):
    check_cauchy_inverse_cdf(lambda u: torch.tan(math.pi * (0.5 - u)))
    assert "1 - U is uniform" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda u: torch.tan(math.pi * u), "symmetric about 0"),  # forgot the 1/2
        (lambda u: torch.tan(u - 0.5), "factor pi"),  # forgot pi
        (lambda u: math.tan(u), "whole tensor"),  # not vectorised
        (lambda u: math.tan(float(u[0])), "return a tensor"),
        (lambda u: torch.tan(math.pi * (u[:10] - 0.5)), "one sample per u"),
        (lambda u: -torch.log(1 - u), "symmetric about 0"),  # an exponential, not a Cauchy
    ],
)
def test_cauchy_inverse_cdf_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_cauchy_inverse_cdf(wrong)


def test_best_envelope_accepts_the_exact_value_and_reports_the_acceptance_rate(capsys):
    check_best_envelope(math.sqrt(2 * math.pi / math.e))
    out = capsys.readouterr().out
    assert out.startswith("Correct: M = sqrt(2 pi / e) = 1.5203")
    rate = float(out.split("kept ")[1].split(" ")[0])
    assert abs(rate - 1 / BEST_M) < 0.01


def test_best_envelope_accepts_a_numerical_maximum():
    x = torch.linspace(-5, 5, 100_001, dtype=torch.float64)
    ratio = torch.exp(-(x**2) / 2) / math.sqrt(2 * math.pi) * math.pi * (1 + x**2)
    check_best_envelope(ratio.max())  # a 0-d tensor works too


@pytest.mark.parametrize(
    ("M", "hint"),
    [
        (math.sqrt(math.pi / 2), "stationary point"),  # the ratio at x = 0
        (1.4, "not an envelope"),
        (2.0, "not the tightest"),
        (-1.0, "positive"),
        ("1.52", "a number"),
    ],
)
def test_best_envelope_rejects_wrong_values(M, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_best_envelope(M)


def tune_step_size(log_target, target_rate):  # the notebook's worked answer: bisection on log s
    low, high = math.log(1e-3), math.log(1e3)
    for _ in range(10):
        middle = (low + high) / 2
        chain = metropolis_hastings(log_target, 0.0, 1000, math.exp(middle), torch.Generator().manual_seed(0))
        if chain.acceptance_rate > target_rate:
            low = middle
        else:
            high = middle
    return math.exp((low + high) / 2)


def test_step_size_tuner_accepts_the_worked_answer(capsys):
    check_step_size_tuner(tune_step_size)
    out = capsys.readouterr().out
    assert out.startswith("Correct: your tuner finds the step") and "exact 0.403" in out


@pytest.mark.parametrize(
    ("tuner", "hint"),
    [
        (lambda log_target, rate: 3.0, "too bold"),  # a step that suits the mixture is far too bold for N(0, 0.1²)
        (lambda log_target, rate: 1 / tune_step_size(log_target, rate), "too"),  # searched the wrong way
        (lambda log_target, rate: -1.0, "positive"),
        (lambda log_target, rate: None, "a number"),
    ],
)
def test_step_size_tuner_rejects_wrong_tuners(tuner, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_step_size_tuner(tuner)


def test_step_size_tuner_checks_mixing_between_modes(monkeypatch):
    # the right acceptance rate is not enough: tuned for 0.98, the steps are tiny, the chain lingers in one mode
    import ganlib.exercises.sampling as sampling

    monkeypatch.setattr(sampling, "_TUNER_TARGETS", (("the bimodal mixture", None, 0.98),))
    with pytest.raises(ExerciseError, match="between the two modes"):
        check_step_size_tuner(tune_step_size)


def accept_reject(x, u, target_pdf, proposal_pdf, M):  # the notebook's worked answer
    return x[u * M * proposal_pdf(x) < target_pdf(x)]


def test_accept_reject_accepts_the_worked_answer_and_its_variants(capsys):
    check_accept_reject(accept_reject)
    check_accept_reject(lambda x, u, p, q, M: x[u <= p(x) / (M * q(x))])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0] == out[1]
    assert out[0].startswith("Correct: you keep the same 1,028 of 3,000 proposals")
    assert "(1/M = 0.333)" in out[0] and "(exact 0.100)" in out[0]


def _ratio(x, u, p, q, M):
    return p(x) / (M * q(x))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x, u, p, q, M: x[u > _ratio(x, u, p, q, M)], "should be rejected"),
        (lambda x, u, p, q, M: x[u < p(x) / q(x)], "ignores M"),
        (lambda x, u, p, q, M: x[u < M * p(x) / q(x)], "M belongs under p"),
        (lambda x, u, p, q, M: x[u < M * q(x) / p(x)], "upside down"),
        (lambda x, u, p, q, M: x, "kept every proposal"),
        (lambda x, u, p, q, M: x[u < torch.log(_ratio(x, u, p, q, M))], "log"),
        (lambda x, u, p, q, M: u < _ratio(x, u, p, q, M), "mask"),
        (lambda x, u, p, q, M: torch.where(u < _ratio(x, u, p, q, M), x, 0.0), "one value per proposal"),
        (lambda x, u, p, q, M: x[u < _ratio(x, u, p, q, M)].sort().values, "order"),
        (lambda x, u, p, q, M: x[torch.rand(len(x), dtype=torch.float64) < _ratio(x, u, p, q, M)], "use the u"),
        (lambda x, u, p, q, M: x if u < _ratio(x, u, p, q, M) else x[:0], "whole tensors"),
        (lambda x, u, p, q, M: [v for v, w in zip(x, u) if w < _ratio(v, w, p, q, M)], "return a tensor"),
        (lambda x, u, p, q, M: x.clamp_(-20, 0)[u < _ratio(x, u, p, q, M)], "in place"),
        (lambda x, u, p, q, M: x[_ratio(x, u, p, q, M) > 0.5], "the rule of the derivation keeps 1,028"),
    ],
)
def test_accept_reject_recognises_the_usual_slips(wrong, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_accept_reject(wrong)


def mh_step(x, log_target, noise, u):  # the notebook's worked answer
    proposal = x + noise
    log_ratio = log_target(proposal) - log_target(x)
    return torch.where(torch.log(u) < log_ratio, proposal, x)


def test_mh_step_accepts_the_worked_answer_and_a_ratio_of_densities(capsys):
    check_mh_step(mh_step)
    check_mh_step(
        lambda x, lt, noise, u: torch.where(u < torch.clamp(torch.exp(lt(x + noise) - lt(x)), max=1), x + noise, x)
    )
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0] == out[1]
    assert out[0].startswith("Correct: your step gives the same new states as ganlib.sampling.metropolis_step")
    left = float(out[0].split("in a fraction ")[1].split(" ")[0])
    assert abs(left - 0.403) < 0.05 and "(exact 0.403)" in out[0]


def _log_ratio(x, lt, noise):
    return lt(x + noise) - lt(x)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x, lt, n, u: x + n, "every chain moved"),
        (lambda x, lt, n, u: x.clone(), "no chain moved"),
        (lambda x, lt, n, u: torch.where(torch.log(u) > _log_ratio(x, lt, n), x + n, x), "the other way round"),
        (lambda x, lt, n, u: torch.where(torch.log(u) < -_log_ratio(x, lt, n), x + n, x), "upside down"),
        (lambda x, lt, n, u: torch.where(u < _log_ratio(x, lt, n), x + n, x), "difference of log densities"),
        (lambda x, lt, n, u: torch.where(u < lt(x + n) / lt(x), x + n, x), "not a quotient of the logs"),
        (lambda x, lt, n, u: torch.where(torch.log(u) < lt(n) - lt(x), n, x), "not the noise itself"),
        (lambda x, lt, n, u: torch.where(torch.log(u) < _log_ratio(x, lt, n), x + n, 0.0), "leave the chain where"),
        (lambda x, lt, n, u: torch.where(torch.log(u) < _log_ratio(x, lt, n) + 0.5, x + n, x), "should be rejected"),
        (lambda x, lt, n, u: torch.where(torch.log(u) < _log_ratio(x, lt, n) - 0.5, x + n, x), "did not move"),
        (lambda x, lt, n, u: torch.log(u) < _log_ratio(x, lt, n), "mask"),
        (lambda x, lt, n, u: (x + n)[torch.log(u) < _log_ratio(x, lt, n)], "one new state per chain"),
        (lambda x, lt, n, u: torch.where(u < min(1, torch.exp(_log_ratio(x, lt, n))), x + n, x), "whole batch"),
        (lambda x, lt, n, u: torch.where(torch.bernoulli(torch.exp(_log_ratio(x, lt, n))) > 0, x + n, x), "at most 1"),
        (lambda x, lt, n, u: torch.where(torch.rand_like(u) < torch.exp(_log_ratio(x, lt, n)), x + n, x), "use the u"),
        (lambda x, lt, n, u: x.copy_(torch.where(torch.log(u) < _log_ratio(x, lt, n), x + n, x)), "in place"),
    ],
)
def test_mh_step_recognises_the_usual_slips(wrong, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_mh_step(wrong)
