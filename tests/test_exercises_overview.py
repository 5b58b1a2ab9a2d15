"""The self-checks of notebook 00 accept right answers and reject wrong ones with a hint."""

import pytest
import torch

from ganlib.exercises import ExerciseError
from ganlib.exercises.overview import APPROXIMATE, IMPLICIT, MODELS, TRACTABLE, check_posterior, check_taxonomy

normal = lambda x, mean: torch.exp(-0.5 * (x - mean) ** 2) / (2 * torch.pi) ** 0.5  # noqa: E731


def right_posterior(x):
    joint_1 = 0.3 * normal(x, 2.0)
    return joint_1 / (0.7 * normal(x, -1.0) + joint_1)


def test_posterior_accepts_bayes_rule(capsys):
    check_posterior(right_posterior)
    out = capsys.readouterr().out
    assert out.startswith("Correct:")
    assert "crosses 1/2 further right, at x = 0.782" in out
    assert "P(y=1 | x) = 0.300 at the midpoint" in out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x: 0.3 * normal(x, 2.0) * 5, "joint"),  # not normalised, exceeds 1
        (lambda x: normal(x, 2.0) / (normal(x, -1.0) + normal(x, 2.0)), "prior"),
        (lambda x: 1 - right_posterior(x), "P\\(y = 0 \\| x\\)"),
        (lambda x: 0.3 * normal(x, 2.0) / (0.7 * normal(x, 1.0) + 0.3 * normal(x, 2.0)), "Bayes' rule"),
        (lambda x: right_posterior(x)[:5], "one probability per x"),
    ],
)
def test_posterior_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_posterior(wrong)


RIGHT = {"PixelCNN": TRACTABLE, "RealNVP": TRACTABLE, "VAE": APPROXIMATE, "RBM": APPROXIMATE, "DDPM": APPROXIMATE, "GAN": IMPLICIT, "GMMN": IMPLICIT}


def test_taxonomy_accepts_the_right_families(capsys):
    assert set(RIGHT) == set(MODELS)
    check_taxonomy(RIGHT)
    assert capsys.readouterr().out.startswith("Correct: two tractable")


def test_taxonomy_hints_at_the_first_misplaced_model():
    with pytest.raises(ExerciseError, match="1 of 7 misplaced. VAE: .*integral"):
        check_taxonomy({**RIGHT, "VAE": TRACTABLE})


def test_taxonomy_rejects_missing_models_and_unknown_families():
    with pytest.raises(ExerciseError, match="missing: GMMN"):
        check_taxonomy({k: v for k, v in RIGHT.items() if k != "GMMN"})
    with pytest.raises(ExerciseError, match="constants"):
        check_taxonomy({**RIGHT, "GAN": "adversarial"})


def test_a_crashing_answer_becomes_a_hint_naming_the_error_and_the_fix():
    import math

    from ganlib.exercises import call_learner

    with pytest.raises(ExerciseError, match=r"^calling posterior on a tensor failed with ValueError: .*\. Use torch\.exp\.$"):
        call_learner(lambda x: math.exp(x), torch.ones(3), context="posterior on a tensor", advice="Use torch.exp.")
    with pytest.raises(ExerciseError, match=r"^calling your function failed with ZeroDivisionError: division by zero\.$"):
        call_learner(lambda: 1 / 0)
    assert call_learner(lambda a, b: a + b, 2, 3) == 5


def test_taxonomy_hints_that_a_diffusion_model_trains_on_a_bound():
    with pytest.raises(ExerciseError, match="DDPM: .*variational bound"):
        check_taxonomy({**RIGHT, "DDPM": TRACTABLE})
