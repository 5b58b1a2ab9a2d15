r"""Sampling a generator through a density ratio: discriminator rejection sampling and the MH-GAN.

Notebook 05 proves that the optimal discriminator holds the ratio of the two densities,
:math:`D^*/(1 - D^*) = p_\text{data} / p_g`, so its logit is :math:`\log r(x) = \log p_\text{data}(x) - \log p_g(x)`.
Given :math:`\log r`, the two samplers of notebook 01 turn samples of :math:`p_g` into samples of
:math:`p_\text{data}`, with the generator as the proposal:

* **Discriminator rejection sampling** (Azadi et al., 2019). Propose :math:`x \sim p_g` and keep it with
  probability :math:`r(x) / M`, where :math:`M \ge \max_x r(x)`: notebook 01's rule
  :math:`p / (M q)` with :math:`q = p_g`. The kept samples follow :math:`p_g \, r / M \propto p_\text{data}`,
  and a fraction :math:`1/M` of the proposals is kept. :math:`M` is rarely known: it is estimated as the
  largest ratio of a burn-in batch, and raised whenever a larger one appears. Azadi et al. also soften the
  rule with a shift :math:`\gamma`: keep with probability :math:`\sigma(F)`,
  :math:`F = \log r - \log M - \log(1 - e^{\log r - \log M - \epsilon}) - \gamma`. With :math:`\gamma = 0`
  this is the exact rule again (:math:`\sigma(\operatorname{logit} p) = p`); a negative :math:`\gamma` keeps more
  samples at the price of exactness (:math:`\gamma` = ``None``, the default, is the exact rule).
* **Metropolis–Hastings GAN** (Turner et al., 2019). An independence sampler: from the state :math:`x`,
  propose :math:`x' \sim p_g` and move with probability
  :math:`\min\big(1, \frac{p_\text{data}(x')\, p_g(x)}{p_\text{data}(x)\, p_g(x')}\big) = \min\big(1, r(x') / r(x)\big)`,
  notebook 01's acceptance rule with the proposal's densities in it. No bound :math:`M` is needed.

Both take ``propose(n, generator)``, which returns ``n`` samples of :math:`p_g`, and ``log_ratio(x)``, which
returns one :math:`\log r` per sample. Neither touches the caller's global random numbers: every draw comes
from ``generator``.

**Where the ratio comes from.** A GAN's own discriminator is trained against a moving generator and is
rarely optimal for the final one. :func:`fit_density_ratio` trains a classifier *post hoc* between real
samples and samples of the final generator, as notebook 05 trains :math:`D` alone, then calibrates its logit
on held-out samples of both (:mod:`ganlib.metrics.calibration`): only a calibrated logit estimates
:math:`\log r`. A GAN's own discriminator, where it was saved, is calibrated the same way without further
training (:func:`calibrate_classifier`). The samplers refuse a bare network, so that an uncalibrated logit is
never taken for a log ratio by accident.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import nn

from ganlib.checks import check_count
from ganlib.data.batches import BatchIterator
from ganlib.gan import discriminator_loss
from ganlib.metrics.calibration import LogisticCalibration, expected_calibration_error, fit_logistic_calibration
from ganlib.sampling import metropolis_accept
from ganlib.train import loss_step, train

Proposal = Callable[[int, torch.Generator], torch.Tensor]
LogRatio = Callable[[torch.Tensor], torch.Tensor]


class RatioSamples(NamedTuple):
    """What a ratio sampler returns: the samples, the share of proposals accepted, and the generator calls."""

    samples: torch.Tensor
    acceptance_rate: float
    generator_calls: int

    @property
    def calls_per_sample(self) -> float:
        """Generator calls paid per sample returned: about M for exact rejection, the chain length + 1 for the MH-GAN."""
        return self.generator_calls / self.samples.shape[0]


class DensityRatio(NamedTuple):
    r"""A trained classifier and its calibration; called on samples, it returns the estimated :math:`\log r`.

    ``error_before`` and ``error_after`` are the held-out expected calibration errors of the classifier's
    probability before and after calibration, measured on ``test_logits``: the classifier's raw logits for the
    held-out real and generated samples that calibration did not see (for a reliability plot). With
    ``features``, the classifier reads ``features(x)``. With ``log_class_weights`` (set by
    :func:`ganlib.recipes.density_ratio.balance_classes`), ``log_class_weights[label(inputs)]`` is added to every log ratio."""

    classifier: nn.Module
    calibration: LogisticCalibration
    error_before: float
    error_after: float
    test_logits: tuple[torch.Tensor, torch.Tensor]
    features: Callable[[torch.Tensor], torch.Tensor] | None = None
    label: Callable[[torch.Tensor], torch.Tensor] | None = None
    log_class_weights: torch.Tensor | None = None

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.of_inputs(self.inputs(x))

    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        """What the classifier reads: ``features(x)``, or ``x`` itself without features."""
        return _mapped(self.features, x)

    def of_inputs(self, inputs: torch.Tensor) -> torch.Tensor:
        """The log ratio of samples already through ``features`` (the classifier's own inputs)."""
        with torch.no_grad():
            log_r = self.calibration(self.classifier(inputs).reshape(-1).double())
            if self.log_class_weights is None or self.label is None:
                return log_r
            classes, weights = self.label(inputs), self.log_class_weights.to(log_r.device)
            unseen = classes[(classes >= len(weights)) | weights[classes.clamp(max=len(weights) - 1)].isnan()]
            if len(unseen):
                raise ValueError(f"a sample of class {unseen[0].item()}, which the balancing never saw: balance the ratio "
                                 "again with more generated samples (balance_classes(..., generated=...)).")
            return log_r + weights[classes]


def _mapped(features: Callable[[torch.Tensor], torch.Tensor] | None, x: torch.Tensor) -> torch.Tensor:
    """``features(x)`` a thousand samples at a time, without gradients (``x`` itself without features)."""
    if features is None:
        return x
    with torch.no_grad():
        return torch.cat([features(chunk) for chunk in x.split(1000)])


def fit_density_ratio(
    classifier: nn.Module,
    real: torch.Tensor,
    real_held_out: torch.Tensor,
    propose: Proposal,
    *,
    generator: torch.Generator,
    generated: int = 20_000,
    steps: int = 1000,
    batch_size: int = 256,
    lr: float = 1e-3,
    features: Callable[[torch.Tensor], torch.Tensor] | None = None,
    progress: bool = False,
) -> DensityRatio:
    """Train ``classifier`` (one logit per sample) to tell batches of ``real`` from as many samples of the
    generator, with the GAN discriminator's loss and Adam, then calibrate its logit on the first half of
    ``real_held_out`` (shuffled) and as many fresh generated samples; the calibration errors are measured on
    the second half.

    The generated side is a pool of ``generated`` samples drawn once, several times the size of ``real`` so
    that the classifier cannot learn it by heart; each batch draws from it at random.

    ``features``, a fixed map such as a pretrained network's penultimate layer, is applied to every sample
    first: the classifier then estimates the ratio of the two distributions *of the features*, which is
    easier to learn from few samples than a ratio of pixels, and is as good as the features.
    """
    check_count(steps, "steps")
    check_count(generated, "generated")
    fake_held_out = _generated_like(real_held_out, propose, generator)
    with torch.no_grad():
        pool = torch.cat([_mapped(features, propose(len(chunk), generator)) for chunk in torch.arange(generated).split(1000)])
    real, real_held_out, fake_held_out = (_mapped(features, x) for x in (real, real_held_out, fake_held_out))

    def loss(batch: tuple[torch.Tensor, ...]) -> dict[str, torch.Tensor]:
        fake = pool[torch.randint(generated, (batch[0].shape[0],), generator=generator).to(pool.device)]
        return {"loss": discriminator_loss(classifier(batch[0]), classifier(fake))}

    optimizer = torch.optim.Adam(classifier.parameters(), lr=lr)
    train(loss_step(loss, optimizer), BatchIterator(real, batch_size=batch_size, generator=generator),
          {"classifier": classifier}, steps=steps, progress=progress, description="density ratio")
    return _calibrated(classifier, real_held_out, fake_held_out, generator, features)


def calibrate_classifier(
    classifier: nn.Module,
    real_held_out: torch.Tensor,
    propose: Proposal,
    *,
    generator: torch.Generator,
    features: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> DensityRatio:
    """Calibrate a classifier that is already trained, such as a GAN's own saved discriminator, on
    ``real_held_out`` and as many fresh generated samples (half of each fits, half measures), without
    training it further."""
    fake_held_out = _generated_like(real_held_out, propose, generator)
    return _calibrated(classifier, _mapped(features, real_held_out), _mapped(features, fake_held_out), generator, features)


def _generated_like(real: torch.Tensor, propose: Proposal, generator: torch.Generator) -> torch.Tensor:
    """As many generated samples as ``real`` holds, refused unless they have the real samples' shape."""
    with torch.no_grad():
        fake = propose(real.shape[0], generator)
    if fake.shape[1:] != real.shape[1:]:
        raise ValueError(f"the generator makes samples of shape {tuple(fake.shape[1:])}, the real data have "
                         f"{tuple(real.shape[1:])}: estimate the ratio on data of the generator's kind.")
    return fake


def _calibrated(
    classifier: nn.Module,
    real_held_out: torch.Tensor,
    fake_held_out: torch.Tensor,
    generator: torch.Generator,
    features: Callable[[torch.Tensor], torch.Tensor] | None,
) -> DensityRatio:
    """Platt scaling fitted on a shuffled half of the held-out samples (already through ``features``), and the
    calibration errors before and after it on the other half."""
    classifier.eval()
    with torch.no_grad():
        real_logits, fake_logits = classifier(real_held_out).reshape(-1), classifier(fake_held_out).reshape(-1)
    shuffled = torch.randperm(real_logits.shape[0], generator=generator).to(real_logits.device)  # held-out data may be sorted by class
    real_logits, half = real_logits[shuffled], real_logits.shape[0] // 2
    calibration = fit_logistic_calibration(real_logits[:half], fake_logits[:half])
    real_test, fake_test = real_logits[half:].double(), fake_logits[half:].double()
    before = expected_calibration_error(torch.sigmoid(real_test), torch.sigmoid(fake_test))
    after = expected_calibration_error(torch.sigmoid(calibration(real_test)), torch.sigmoid(calibration(fake_test)))
    return DensityRatio(classifier, calibration, before, after, (real_test, fake_test), features)


def _check_calibrated(log_ratio: LogRatio) -> None:
    """Refuse a bare network: its logit is a log ratio only once calibrated (or when the caller says so)."""
    if isinstance(log_ratio, nn.Module):
        raise TypeError(
            f"log_ratio is a bare {type(log_ratio).__name__}: a classifier's logit estimates log p_data/p_g only once it "
            "is calibrated. Calibrate it with ganlib.ratio_sampling.calibrate_classifier(network, real_held_out, propose, "
            "generator=...), which returns a DensityRatio to pass here, or pass lambda x: network(x) to use it as it is."
        )


def _log_ratios(log_ratio: LogRatio, x: torch.Tensor) -> torch.Tensor:
    """``log_ratio(x)`` as a float64 vector with one finite value per sample, or an error that names the fix."""
    try:
        values = log_ratio(x)
    except RuntimeError as error:  # e.g. a discriminator of 784 inputs given (n, 2) points
        raise ValueError(
            f"log_ratio failed on a batch of generated samples of shape {tuple(x.shape)} ({error}). The ratio must be "
            "estimated for this generator's data: a discriminator or classifier trained on samples of the same shape."
        ) from error
    values = values.detach().reshape(-1).double().cpu()  # decided on the CPU, beside the uniforms
    if values.numel() != x.shape[0]:
        raise ValueError(
            f"log_ratio returned {values.numel()} values for {x.shape[0]} samples: it must return one log ratio per "
            "sample, shape (n,) or (n, 1), such as a discriminator's logits."
        )
    if not torch.isfinite(values).all():
        raise ValueError("log_ratio returned NaN or infinite values: check the discriminator's weights and inputs.")
    return values


def drs_log_acceptance(log_r: torch.Tensor, log_bound: float, gamma: float | None = None, epsilon: float = 1e-6) -> torch.Tensor:
    r"""The log of DRS's probability of keeping samples whose log ratios are ``log_r``, under the bound :math:`\log M`.

    Without ``gamma`` it is rejection sampling's :math:`\log(r/M)`; with it, :math:`\log \sigma(F)` with
    :math:`F = \log(r/M) - \log(1 - e^{\log(r/M) - \epsilon}) - \gamma` (the module docstring explains why).
    """
    excess = log_r - log_bound  # log(r / M) <= 0
    if gamma is None:
        return excess
    return torch.nn.functional.logsigmoid(excess - torch.log1p(-torch.exp(excess - epsilon)) - gamma)


def discriminator_rejection_sample(
    propose: Proposal,
    log_ratio: LogRatio,
    n: int,
    *,
    generator: torch.Generator,
    log_bound: float | None = None,
    burn_in: int = 1000,
    batch_size: int = 1000,
    gamma: float | None = None,
    epsilon: float = 1e-6,
    max_calls: int = 1_000_000,
) -> RatioSamples:
    r"""``n`` samples of :math:`p_g \, r` (normalised), by rejection with the generator as the proposal.

    With ``log_bound`` :math:`= \log M` given, this is exact rejection sampling (a ratio above :math:`M` is
    an error). Without it, :math:`\log M` starts as the largest :math:`\log r` of ``burn_in`` proposals and
    rises whenever a batch shows a larger one, as in DRS; ``gamma`` shifts the acceptance logit :math:`F`
    (see the module docstring). Raises ``RuntimeError`` rather than loop on when ``max_calls`` proposals
    have not given ``n`` samples.
    """
    check_count(n)
    check_count(batch_size, "batch_size")
    _check_calibrated(log_ratio)
    calls = 0
    if log_bound is None:
        check_count(burn_in, "burn_in")
        log_bound = _log_ratios(log_ratio, propose(burn_in, generator)).max().item()
        calls, estimated = burn_in, True
    else:
        estimated = False
    kept: list[torch.Tensor] = []
    n_kept = proposed = 0
    while n_kept < n:
        if calls >= max_calls:
            rate = n_kept / max(proposed, 1)
            raise RuntimeError(
                f"{n_kept} of {n} samples kept after {calls:,} generator calls (acceptance rate {rate:.2%}): the ratio "
                f"bound M = {math.exp(log_bound):.3g} is large. Raise max_calls, ask for fewer samples, or set gamma "
                "to keep more (an approximate rule)."
            )
        x = propose(batch_size, generator)
        values = _log_ratios(log_ratio, x)
        calls, proposed = calls + batch_size, proposed + batch_size
        if values.max().item() > log_bound:
            if not estimated:
                raise ValueError(
                    f"a sample has log r = {values.max().item():.3f} above log_bound = {log_bound:.3f}: M must bound the "
                    "ratio everywhere. Give a larger log_bound, or none to estimate it."
                )
            log_bound = values.max().item()
        u = torch.rand(batch_size, generator=generator, dtype=torch.float64)
        accepted = x[(u.log() < drs_log_acceptance(values, log_bound, gamma, epsilon)).to(x.device)]
        kept.append(accepted)
        n_kept += accepted.shape[0]
    return RatioSamples(torch.cat(kept)[:n], n_kept / proposed, calls)


def mh_gan_sample(
    propose: Proposal, log_ratio: LogRatio, n: int, *, generator: torch.Generator, chain_length: int = 20
) -> RatioSamples:
    r"""``n`` samples of :math:`p_g \, r` (normalised): the last states of ``n`` independence chains.

    Each chain starts at a generated sample and makes ``chain_length`` proposals :math:`x' \sim p_g`, moving
    when :math:`\log u < \log r(x') - \log r(x)`: :func:`ganlib.sampling.metropolis_accept`, notebook 01's
    rule, with the importance weight :math:`w = p_\text{data} / p_g = r`. The chains run side by side, one batch of ``n`` proposals
    per step, so the samples cost ``n * (chain_length + 1)`` generator calls.
    """
    check_count(n)
    check_count(chain_length, "chain_length")
    _check_calibrated(log_ratio)
    state = propose(n, generator)
    state_log_ratio = _log_ratios(log_ratio, state)
    moves = 0
    for _ in range(chain_length):
        candidate = propose(n, generator)
        candidate_log_ratio = _log_ratios(log_ratio, candidate)
        u = torch.rand(n, generator=generator, dtype=torch.float64)
        state, state_log_ratio, moved = metropolis_accept(state, state_log_ratio, candidate, candidate_log_ratio, u)
        moves += int(moved.sum())
    return RatioSamples(state, moves / (n * chain_length), n * (chain_length + 1))
