"""The self-checks of notebook 07 accept right answers and reject wrong ones with a hint."""

import math

import numpy as np
import pytest
import torch
from scipy.linalg import sqrtm

from ganlib.data.mnist import load_mnist
from ganlib.exercises import ExerciseError
from ganlib.exercises.evaluation import check_class_entropy, check_dropped_digits, check_frechet_1d, check_frechet_distance


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


HURT = {"class_entropy", "frechet_ratio", "recall"}


def test_dropped_digits(capsys):
    images, labels = load_mnist("train", source="subset")
    check_dropped_digits(images[labels < 5], HURT)
    check_dropped_digits(images[labels < 5], ["recall", "frechet_ratio", "class_entropy"])  # any collection of names
    assert "ln 5" in capsys.readouterr().out
    with pytest.raises(ExerciseError, match="5–9"):
        check_dropped_digits(images[labels != 7], HURT)
    with pytest.raises(ExerciseError, match="0 to 4"):
        check_dropped_digits(images[labels < 4], HURT)
    with pytest.raises(ExerciseError, match="1,000"):
        check_dropped_digits(images[labels < 5][:100], HURT)


@pytest.mark.parametrize(
    ("hurt", "hint"),
    [
        (HURT | {"precision"}, "precision is not hurt"),
        (HURT | {"confident"}, "confident is not hurt"),
        (HURT - {"recall"}, "no sample lies near a 5"),
        (HURT - {"frechet_ratio"}, "another mean"),
        (HURT - {"class_entropy"}, "five digits instead of ten"),
        (HURT | {"sharpness"}, "unknown measure"),
        ("recall", "set of measure names"),
        (..., "set of measure names"),
    ],
)
def test_dropped_digits_prediction_hints(hurt, hint):
    images, labels = load_mnist("train", source="subset")
    with pytest.raises(ExerciseError, match=hint):
        check_dropped_digits(images[labels < 5], hurt)


def frechet(a, b, mean_power=2, ddof=1, trace_sqrt="eigen", root=False, to_complex=False):
    """The Fréchet distance of a learner, right by default; each argument brings back one usual slip."""
    x, y = a.numpy(), b.numpy()
    cov_a, cov_b = np.cov(x, rowvar=False, ddof=ddof), np.cov(y, rowvar=False, ddof=ddof)
    product = cov_a @ cov_b
    if trace_sqrt == "eigen":
        middle = np.sqrt(np.linalg.eigvals(product).real.clip(min=0)).sum()
    elif trace_sqrt == "sqrtm":
        middle = np.trace(sqrtm(product).astype(complex) if to_complex else sqrtm(product))
    elif trace_sqrt == "entrywise":
        middle = np.trace(np.sqrt(np.abs(product)))
    elif trace_sqrt == "roots":
        middle = np.trace(sqrtm(cov_a) @ sqrtm(cov_b))
    else:
        middle = np.trace(product)
    d2 = np.linalg.norm(x.mean(axis=0) - y.mean(axis=0)) ** mean_power + np.trace(cov_a) + np.trace(cov_b) - 2 * middle
    return np.sqrt(d2) if root else d2


def notebook_frechet(a: torch.Tensor, b: torch.Tensor) -> float:
    """The worked answer of notebook 07."""
    mean_a, mean_b = a.mean(dim=0), b.mean(dim=0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    trace_sqrt = torch.linalg.eigvals(cov_a @ cov_b).real.clamp(min=0).sqrt().sum()
    return float(((mean_a - mean_b) ** 2).sum() + cov_a.trace() + cov_b.trace() - 2 * trace_sqrt)


@pytest.mark.parametrize("right", [notebook_frechet, frechet, lambda a, b: frechet(a, b, trace_sqrt="sqrtm")])
def test_frechet_distance_right(right, capsys):
    check_frechet_distance(right)
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda a, b: frechet(a, b, mean_power=1), "its square"),
        (lambda a, b: frechet(a, b, trace_sqrt="entrywise"), "entry by entry"),
        (lambda a, b: frechet(a, b, trace_sqrt="roots"), "commute"),
        (lambda a, b: frechet(a, b, trace_sqrt="none"), r"Tr\(Σ_a Σ_b\) itself"),
        (lambda a, b: frechet(a, b, ddof=0), "n − 1"),
        (lambda a, b: frechet(a, b, root=True), "square root of the expected"),
        (lambda a, b: frechet(a, b, trace_sqrt="sqrtm", to_complex=True), r"complex.*\.real"),
        (lambda a, b: float("nan"), "NaN"),
        (lambda a, b: notebook_frechet(a, b) - 1.0, "expected"),
        (lambda a, b: notebook_frechet(a.T, b.T), r"torch\.cov\(a\.T\)"),
        (lambda a, b: None, "None"),
    ],
)
def test_frechet_distance_wrong(wrong, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_frechet_distance(wrong)
