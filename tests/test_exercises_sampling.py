"""The self-checks of notebook 01 accept right answers and reject wrong ones with a hint."""

import math

import pytest
import torch

from ganlib.exercises import ExerciseError
from ganlib.exercises.sampling import BEST_M, check_best_envelope, check_cauchy_inverse_cdf, check_step_size


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


def test_step_size_accepts_a_moderate_step(capsys):
    check_step_size(3.0)
    out = capsys.readouterr().out
    assert out.startswith("Correct: step size 3:")
    assert "exact 0.403" in out


@pytest.mark.parametrize(("step", "hint"), [(0.1, "too timid"), (30.0, "too bold")])
def test_step_size_rejects_extremes(step, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_step_size(step)


def test_step_size_checks_mixing_between_modes():
    # acceptance in range is not enough: a chain that lingers in one mode fails on its time split
    with pytest.raises(ExerciseError, match="between the two modes"):
        check_step_size(0.5, low=0.0, high=1.0)
