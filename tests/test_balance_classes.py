"""A density ratio balanced by class: its class part is counted, its within-class part averages 1.

The "generator" draws class 1 with probability 0.2 and class 0 otherwise, and a value from N(0.5, 1.5²) in
either class; the "data" draw each class half the time and a value from N(0, 1). A sample is the row
(class, value). The "learnt" ratio knows the within-class log ratio of the values exactly but is wrong by
a class offset, as a classifier that rates one class too high is: balancing must give back the true ratio
log(0.5 / p_g(y)) + log N(v; 0, 1) / N(v; 0.5, 1.5²), and DRS with it the data's classes and values.
"""

from __future__ import annotations

import math

import pytest
import torch
from scipy import stats

from ganlib.metrics.calibration import LogisticCalibration
from ganlib.ratio_sampling import DensityRatio, discriminator_rejection_sample
from ganlib.recipes.density_ratio import balance_classes

CLASS_ONE = 0.2
MEAN, STD = 0.5, 1.5


def propose(n: int, generator: torch.Generator) -> torch.Tensor:
    classes = (torch.rand(n, generator=generator, dtype=torch.float64) < CLASS_ONE).double()
    return torch.stack([classes, MEAN + STD * torch.randn(n, generator=generator, dtype=torch.float64)], dim=1)


def real_samples(n: int, generator: torch.Generator) -> torch.Tensor:
    classes = (torch.rand(n, generator=generator, dtype=torch.float64) < 0.5).double()
    return torch.stack([classes, torch.randn(n, generator=generator, dtype=torch.float64)], dim=1)


def label(x: torch.Tensor) -> torch.Tensor:
    return x[:, 0].long()


def within_log_ratio(v: torch.Tensor) -> torch.Tensor:
    return -0.5 * v**2 + 0.5 * ((v - MEAN) / STD) ** 2 + math.log(STD)


def true_log_ratio(x: torch.Tensor) -> torch.Tensor:
    class_part = torch.where(label(x) == 1, math.log(0.5 / CLASS_ONE), math.log(0.5 / (1 - CLASS_ONE)))
    return class_part + within_log_ratio(x[:, 1])


class ClassBiased(torch.nn.Module):
    """A classifier whose logit is the within-class log ratio plus 3 for class 1: it rates class 1 far too high."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return within_log_ratio(x[:, 1]) + 3.0 * x[:, 0]


def learnt_ratio() -> DensityRatio:
    empty = torch.zeros(0, dtype=torch.float64)
    return DensityRatio(ClassBiased(), LogisticCalibration(1.0, 0.0), 0.0, 0.0, (empty, empty))


def balanced_ratio(seed: int = 0) -> DensityRatio:
    real = real_samples(10_000, torch.Generator().manual_seed(100 + seed))
    return balance_classes(learnt_ratio(), label, real, propose, generator=torch.Generator().manual_seed(seed), generated=20_000)


def test_balancing_gives_back_the_true_ratio():
    values = torch.linspace(-2.5, 2.5, 21, dtype=torch.float64)
    points = torch.cat([torch.stack([torch.full_like(values, k), values], dim=1) for k in (0.0, 1.0)])
    assert (learnt_ratio()(points) - true_log_ratio(points)).abs().max() > 2  # the class offset is wrong
    assert (balanced_ratio()(points) - true_log_ratio(points)).abs().max() < 0.1


@pytest.mark.parametrize("seed", [0, 1])
def test_drs_with_the_balanced_ratio_draws_the_datas_classes_and_values(seed):
    n = 4000
    biased = discriminator_rejection_sample(propose, learnt_ratio(), n, generator=torch.Generator().manual_seed(seed))
    assert label(biased.samples).double().mean() > 0.8, "the class offset favours class 1 without balancing"
    result = discriminator_rejection_sample(propose, balanced_ratio(seed), n, generator=torch.Generator().manual_seed(seed))
    classes, values = label(result.samples), result.samples[:, 1]
    assert abs(classes.double().mean().item() - 0.5) < 0.03  # 4 standard deviations of a share of 4,000
    for k in (0, 1):
        assert stats.kstest(values[classes == k].numpy(), "norm").pvalue > 1e-3


def test_a_class_that_only_one_side_draws_is_refused_with_the_fix():
    real = real_samples(1000, torch.Generator().manual_seed(0))
    real[:, 0] = 0.0  # the real data have no class 1, the generator draws it
    with pytest.raises(ValueError, match=r"classes \[1\] are drawn by only one .* give real data of every class"):
        balance_classes(learnt_ratio(), label, real, propose, generator=torch.Generator().manual_seed(0), generated=2000)


def test_a_class_the_balancing_never_saw_is_refused_at_sampling_time():
    ratio = balanced_ratio()
    with pytest.raises(ValueError, match="class 2, which the balancing never saw"):
        ratio(torch.tensor([[0.0, 0.1], [2.0, 0.1]], dtype=torch.float64))
