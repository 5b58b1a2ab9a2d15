r"""Is a discriminator's probability a probability? Calibration error, and logistic (Platt) calibration.

A classifier between real (label 1) and generated (label 0) samples is *calibrated* when, among the samples
it gives probability :math:`\hat p`, a share :math:`\hat p` is real. Only then is its logit an estimate of
the log density ratio :math:`\log p_\text{data}(x) - \log p_g(x)` that :mod:`ganlib.ratio_sampling` needs
(with as many real as generated samples; notebook 05's :math:`D^*`).

* The **expected calibration error** sorts the probabilities into equal-width bins and averages, weighted
  by the bins' sizes, the gap between each bin's share of real samples and its mean probability:
  :math:`\mathrm{ECE} = \sum_b \frac{n_b}{N} \lvert \bar y_b - \bar p_b \rvert`.
* **Logistic calibration** (Platt, 1999) keeps the classifier and refits two numbers on held-out data:
  :math:`\hat p = \sigma(a\, l + b)` for its logit :math:`l`, with :math:`a, b` minimising the binary
  cross-entropy, real and generated samples weighted equally. The loss is convex in :math:`(a, b)`, so a few
  Newton steps from :math:`a = b = 0`, halved whenever the loss would rise, find them.
"""

from __future__ import annotations

from typing import NamedTuple

import torch


class LogisticCalibration(NamedTuple):
    """The calibrated logit :math:`a\\, l + b`: an estimate of the log density ratio."""

    scale: float
    shift: float

    def __call__(self, logits: torch.Tensor) -> torch.Tensor:
        return self.scale * logits + self.shift


def _logits_and_labels(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    real, fake = (torch.as_tensor(t).detach().double().reshape(-1).cpu() for t in (real_logits, fake_logits))
    if real.numel() == 0 or fake.numel() == 0:
        raise ValueError("calibration needs logits of real and of generated samples: one of the two is empty.")
    logits = torch.cat([real, fake])
    if not torch.isfinite(logits).all():
        raise ValueError("the logits hold NaN or infinite values: check the discriminator before calibrating it.")
    return logits, torch.cat([torch.ones_like(real), torch.zeros_like(fake)])


def fit_logistic_calibration(real_logits: torch.Tensor, fake_logits: torch.Tensor, steps: int = 50) -> LogisticCalibration:
    """The :math:`(a, b)` of logistic calibration, fitted by Newton's method on held-out logits of real and of
    generated samples (each class weighs half, whatever the two counts)."""
    logits, labels = _logits_and_labels(real_logits, fake_logits)
    weights = torch.where(labels == 1, 0.5 / labels.sum(), 0.5 / (1 - labels).sum())
    features = torch.stack([logits, torch.ones_like(logits)], dim=1)  # (N, 2): the logit and a constant

    def loss(params: torch.Tensor) -> float:  # the weighted binary cross-entropy of σ(a l + b)
        z = features @ params
        return float((weights * (torch.nn.functional.softplus(z) - labels * z)).sum())

    params = torch.zeros(2, dtype=torch.float64)  # from p = 1/2 everywhere, where Newton's steps are safe
    for _ in range(steps):
        p = torch.sigmoid(features @ params)
        gradient = features.T @ (weights * (p - labels))
        hessian = features.T @ (features * (weights * p * (1 - p))[:, None]) + 1e-12 * torch.eye(2, dtype=torch.float64)
        step = torch.linalg.solve(hessian, gradient)
        while loss(params - step) > loss(params) and step.abs().max() > 1e-12:  # never let the loss rise
            step = step / 2
        params = params - step
    return LogisticCalibration(float(params[0]), float(params[1]))


def reliability(real_probabilities: torch.Tensor, fake_probabilities: torch.Tensor, bins: int = 10
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per non-empty bin of ``bins`` equal-width bins on [0, 1] of the probability "real" given to real (label 1)
    and generated (label 0) samples: the mean probability, the share of real samples, and the number of samples."""
    probabilities, labels = _logits_and_labels(real_probabilities, fake_probabilities)
    if (probabilities < 0).any() or (probabilities > 1).any():
        raise ValueError("expected probabilities in [0, 1]: apply torch.sigmoid to logits first.")
    which = (probabilities * bins).long().clamp(max=bins - 1)
    counts = torch.bincount(which, minlength=bins).double()
    filled = counts > 0
    mean_probability = torch.bincount(which, weights=probabilities, minlength=bins)[filled] / counts[filled]
    share_real = torch.bincount(which, weights=labels, minlength=bins)[filled] / counts[filled]
    return mean_probability, share_real, counts[filled]


def expected_calibration_error(real_probabilities: torch.Tensor, fake_probabilities: torch.Tensor, bins: int = 10) -> float:
    """The ECE of probabilities "real" given to real (label 1) and to generated (label 0) samples, ``bins``
    equal-width bins on [0, 1]: the bins of :func:`reliability`, each gap weighed by its share of the samples."""
    mean_probability, share_real, counts = reliability(real_probabilities, fake_probabilities, bins)
    return float((counts / counts.sum() * (share_real - mean_probability).abs()).sum())
