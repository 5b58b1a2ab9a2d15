"""The self-checks of notebook 07 accept right answers and reject wrong ones with a hint."""

import math

import pytest
import torch

from ganlib.data.mnist import load_mnist
from ganlib.exercises import ExerciseError
from ganlib.exercises.evaluation import check_class_entropy, check_dropped_digits, check_frechet_1d


def entropy(labels: torch.Tensor) -> float:
    shares = torch.bincount(labels, minlength=10).double() / len(labels)
    shares = shares[shares > 0]
    return float(-(shares * shares.log()).sum())


def test_class_entropy_right(capsys):
    check_class_entropy(entropy)
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda labels: entropy(labels) / math.log(2),  # bits, not nats
        lambda labels: float(-(torch.bincount(labels, minlength=10).double() / len(labels)).log().mul(0.1).sum()),  # 0 ln 0
    ],
)
def test_class_entropy_wrong(wrong):
    with pytest.raises(ExerciseError):
        check_class_entropy(wrong)


def test_frechet_1d(capsys):
    check_frechet_1d(lambda a, b: float((a.mean() - b.mean()) ** 2 + (a.std() - b.std()) ** 2))
    assert capsys.readouterr().out.startswith("Correct:")
    with pytest.raises(ExerciseError, match="trace"):
        check_frechet_1d(lambda a, b: float((a.mean() - b.mean()) ** 2 + (a.var() - b.var()) ** 2))


def test_dropped_digits(capsys):
    images, labels = load_mnist("train", source="subset")
    check_dropped_digits(images[labels < 5])
    assert "ln 5" in capsys.readouterr().out
    with pytest.raises(ExerciseError, match="5–9"):
        check_dropped_digits(images[labels != 7])
    with pytest.raises(ExerciseError, match="0 to 4"):
        check_dropped_digits(images[labels < 4])
    with pytest.raises(ExerciseError, match="1,000"):
        check_dropped_digits(images[labels < 5][:100])
