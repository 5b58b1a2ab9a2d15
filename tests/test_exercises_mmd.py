"""ganlib.exercises.mmd: right answers pass, the usual wrong ones fail with the matching hint."""

import numpy as np
import pytest
import torch
from scipy.spatial.distance import pdist

from ganlib.exercises import ExerciseError
from ganlib.exercises.mmd import check_median_heuristic, check_unbiased_mmd2, check_witness


def _gauss(a, b, h, two=2):
    return torch.exp(-torch.cdist(a, b) ** 2 / (two * h * h))


def unbiased(x, y, h, drop_diagonal=True, pairs=True, cross=2, two=2):
    m, n = len(x), len(y)
    kxx, kyy, kxy = _gauss(x, x, h, two), _gauss(y, y, h, two), _gauss(x, y, h, two)
    sxx = kxx.sum() - (kxx.diagonal().sum() if drop_diagonal else 0)
    syy = kyy.sum() - (kyy.diagonal().sum() if drop_diagonal else 0)
    dx, dy = (m * (m - 1), n * (n - 1)) if pairs else (m * m, n * n)
    return sxx / dx + syy / dy - cross * kxy.sum() / (m * n)


def test_correct_unbiased_mmd_passes(capsys):
    check_unbiased_mmd2(unbiased)
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda x, y, h: unbiased(x, y, h, drop_diagonal=False, pairs=False), "biased V-statistic"),
        (lambda x, y, h: unbiased(x, y, h, pairs=False), r"m\(m-1\)"),
        (lambda x, y, h: unbiased(x, y, h, cross=1), "counts twice"),
        (lambda x, y, h: unbiased(x, y, h, two=1), "factor 2"),
        (lambda x, y, h: unbiased(x, y, h) + 0.01, "expected"),
        (lambda x, y, h: torch.zeros(3), "scalar"),
        (lambda x, y, h: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_wrong_unbiased_mmd_gets_a_hint(wrong, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_unbiased_mmd2(wrong)


def median(z):
    d = torch.cdist(z, z)
    i, j = torch.triu_indices(len(z), len(z), offset=1)
    return d[i, j].median().item()


def test_median_heuristic_check(capsys):
    check_median_heuristic(median)
    assert capsys.readouterr().out.startswith("Correct:")
    check_median_heuristic(lambda z: float(np.median(pdist(z.numpy()))))  # the average of the two middle values
    assert capsys.readouterr().out.startswith("Correct:")
    with pytest.raises(ExerciseError, match="squared"):
        check_median_heuristic(lambda z: median(z) ** 2)
    with pytest.raises(ExerciseError, match="diagonal"):
        check_median_heuristic(lambda z: torch.cdist(z, z).flatten().median().item())
    with pytest.raises(ExerciseError, match="expected"):
        check_median_heuristic(lambda z: torch.cdist(z, z).mean().item())


def witness(t, x, y, h):
    return _gauss(t, x, h).mean(1) - _gauss(t, y, h).mean(1)


def test_witness_check(capsys):
    check_witness(witness)
    assert capsys.readouterr().out.startswith("Correct:")
    with pytest.raises(ExerciseError, match="sign"):
        check_witness(lambda t, x, y, h: -witness(t, x, y, h))
    with pytest.raises(ExerciseError, match="average"):
        check_witness(lambda t, x, y, h: _gauss(t, x, h).sum(1) - _gauss(t, y, h).sum(1))
    with pytest.raises(ExerciseError, match="one value per row"):
        check_witness(lambda t, x, y, h: witness(t, x, y, h)[:-1])
    with pytest.raises(ExerciseError, match="formula"):
        check_witness(lambda t, x, y, h: _gauss(t, x, h, two=1).mean(1) - _gauss(t, y, h, two=1).mean(1))
