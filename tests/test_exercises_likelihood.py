"""ganlib.exercises.likelihood: right answers pass, typical mistakes get their hint, and the quiz key is true."""

import math

import pytest
import torch

from ganlib.exercises import ExerciseError
from ganlib.exercises.likelihood import check_exponential_mle, check_kl_direction, check_kl_normal, direction_quiz
from ganlib.likelihood import gaussian_divergences, moment_match


def kl_right(mu_p, std_p, mu_q, std_q):
    return torch.log(std_q / std_p) + (std_p**2 + (mu_p - mu_q) ** 2) / (2 * std_q**2) - 0.5


def test_exponential_mle_accepts_the_right_estimator(capsys):
    check_exponential_mle(lambda x: 1 / x.mean())
    check_exponential_mle(lambda x: float(len(x) / x.sum()))
    out = capsys.readouterr().out
    assert out.startswith("Correct: ") and out.count("Correct:") == 2
    assert "λ̂ = 1.987" in out


@pytest.mark.parametrize(
    "estimator, hint",
    [
        (lambda x: x.mean(), "sample mean"),
        (lambda x: (len(x) - 1) / x.sum(), "unbiased"),
        (lambda x: 1 / x.median(), "dℓ/dλ"),
        (lambda x: None, "returns None"),
    ],
)
def test_exponential_mle_hints(estimator, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_exponential_mle(estimator)


def test_kl_normal_accepts_torch_and_math_versions(capsys):
    check_kl_normal(kl_right)
    check_kl_normal(lambda a, b, c, d: math.log(d / b) + (b**2 + (a - c) ** 2) / (2 * d**2) - 0.5)
    out = capsys.readouterr().out
    assert out.count("Correct:") == 2 and "0.443" in out and "1.307" in out


@pytest.mark.parametrize(
    "kl_fn, hint",
    [
        (lambda a, b, c, d: kl_right(a, b, c, d) + 0.5, "must be 0"),
        (lambda a, b, c, d: kl_right(c, d, a, b), "KL\\(q‖p\\)"),
        (lambda a, b, c, d: kl_right(a, b, c, d) + torch.log(d / b), "ratio of standard deviations"),
        (lambda a, b, c, d: kl_right(a, b, c, d) * (1 + (a - c) ** 2), "should be"),
    ],
)
def test_kl_normal_hints(kl_fn, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_kl_normal(kl_fn)


@pytest.fixture(scope="module")
def quiz():
    return direction_quiz()


def test_quiz_answer_key_is_true(quiz):
    """A and C really are reverse-KL fits (on one mode), B really is the forward-KL (moment-matching) fit."""
    values = {name: gaussian_divergences(quiz.target, fit.mean, fit.std) for name, fit in quiz.fits.items()}
    theory = moment_match(quiz.target)
    assert quiz.fits["B"].mean == pytest.approx(theory.mean, abs=0.15)
    assert quiz.fits["B"].std == pytest.approx(theory.std, abs=0.15)
    for name in ("A", "C"):
        assert values["B"].forward_kl < values[name].forward_kl
        assert values[name].reverse_kl < values["B"].reverse_kl
        nearest = (quiz.target.means[:, 0] - quiz.fits[name].mean).abs().argmin()
        assert quiz.fits[name].mean == pytest.approx(float(quiz.target.means[nearest, 0]), abs=0.2)
        assert quiz.fits[name].std < 1.0


def test_direction_check(capsys):
    check_kl_direction({"A": "Reverse", "B": "forward ", "C": "reverse"})
    assert capsys.readouterr().out.startswith("Correct: A and C minimise the reverse KL")
    with pytest.raises(ExerciseError, match="fit A: it leaves whole modes"):
        check_kl_direction({"A": "forward", "B": "forward", "C": "reverse"})
    with pytest.raises(ExerciseError, match="fit B: it spreads over the gaps"):
        check_kl_direction({"A": "reverse", "B": "reverse", "C": "reverse"})
    with pytest.raises(ExerciseError, match="'forward' or 'reverse'"):
        check_kl_direction({"A": "KL(p||q)", "B": "forward", "C": "reverse"})
    with pytest.raises(ExerciseError, match="exactly the fits"):
        check_kl_direction({"A": "reverse"})
