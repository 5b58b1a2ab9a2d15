r"""How the density ratio of a pretrained generator is estimated, so that its samples can be corrected.

The shipped checkpoints hold generators only, so the ratio :math:`r = p_\text{data} / p_g` is learnt *post hoc*
(:func:`ganlib.ratio_sampling.fit_density_ratio`): a classifier between real samples and the final
generator's, calibrated on held-out ones. ``python -m ganlib sample NAME --sampler drs|mh`` and notebooks 05
and 06 use these settings:

* ``dcgan-mnist``, ``gan-mnist``: a small network on the 128 penultimate features of a digit classifier. A
  network on the pixels tells real digits from generated ones almost perfectly (by their texture), so its ratio is
  too extreme to sample with; the features see the digit's shape instead. The ratio is then balanced by digit
  (:func:`balance_classes`) with the same classifier's digits: the learnt ratio starves the digits it rates low,
  which costs variety and raises the Fréchet distance. The classifier is ``network``:

  - ``"ratio-classifier"`` (the default): the evaluation network's architecture with its own seed, trained on the
    first half of the training digits only (``ganlib.recipes.classifier``), and the real digits of the fit are
    that half. Neither the evaluation network nor the independent judge (trained on the other half) takes part,
    so both judge the correction fairly.
  - ``"mnist-classifier"``: the evaluation network itself, with all 4,500 training digits. The correction then
    optimises the very features that score it (Fréchet distance, precision, recall, confidence) and flatters
    itself there; notebook 07 measures how much, in the judge's features.

  Held out, for calibration: the subset's 500 validation digits.
* ``gan-grid-naive``: a network on the points, with fresh draws of the 25-mode grid as real data. The ratio
  changes over 0.05 units (the modes' standard deviation), finer than a ReLU network on raw coordinates
  learns, so the points first pass through random Fourier features (:mod:`ganlib.models.fourier`); and the
  generated side is a pool of 200,000 points, too many for the classifier to learn by heart.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
from torch import nn

from ganlib.checkpoints import pretrained
from ganlib.checks import check_count
from ganlib.data.mnist import CORRECTION_HALF, load_mnist, training_halves
from ganlib.data.toy import grid
from ganlib.device import get_device, own_rng
from ganlib.metrics.features import classifier_features, evaluation_classifier
from ganlib.models.fourier import FourierFeatures
from ganlib.models.mlp_gan import MLPDiscriminator
from ganlib.ratio_sampling import DensityRatio, Proposal, fit_density_ratio

RATIO_MODELS = ("dcgan-mnist", "gan-mnist", "gan-grid-naive")
RATIO_NETWORK = "ratio-classifier"
RATIO_NETWORKS = ("ratio-classifier", "mnist-classifier")  # the classifiers whose features a ratio may read
DRS_GAMMA: dict[str, float] = {"gan-grid-naive": -8.0}
"""DRS's shift where the exact rule is unaffordable. On the grid, :math:`M` is set by the mode that the generator
barely covers, whose ratio is thousands or more: the exact rule would keep one proposal in as many. The shift
keeps more, at the price of exactness (it flattens the largest ratios)."""


def generator_proposal(model: nn.Module) -> Proposal:
    """``propose(n, generator)``: ``n`` samples of ``model``, without gradients."""

    def propose(n: int, generator: torch.Generator) -> torch.Tensor:
        with torch.no_grad():
            return model.sample(n, generator=generator)

    return propose


def pretrained_density_ratio(
    name: str, *, seed: int = 0, device: torch.device | str | None = None, progress: bool = False, balance: bool = True,
    network: str = RATIO_NETWORK,
) -> tuple[Proposal, DensityRatio]:
    """The generator ``name`` as a proposal, and its fitted, calibrated density ratio (seeded by ``seed``); for the
    MNIST generators, on the features of the classifier ``network`` and balanced by its digits
    (:func:`balance_classes`) unless ``balance`` is false."""
    if name not in RATIO_MODELS:
        raise KeyError(f"no density-ratio settings for {name!r}; the samplers drs and mh know {', '.join(RATIO_MODELS)}.")
    device = torch.device(device) if device is not None else get_device()
    propose = generator_proposal(pretrained(name, device))
    generator = torch.Generator().manual_seed(seed)
    if name == "gan-grid-naive":
        mixture = grid()
        real, held_out = mixture.sample(20_000, generator).to(device), mixture.sample(2_000, generator).to(device)
        with own_rng(seed, device):
            features = FourierFeatures(data_dim=2, frequencies=128, scale=2.0)
            classifier = nn.Sequential(features, MLPDiscriminator(data_dim=256, hidden=128, depth=2)).to(device)
        ratio = fit_density_ratio(classifier, real, held_out, propose, generator=generator, steps=3000,
                                  generated=200_000, progress=progress)
    else:
        if network not in RATIO_NETWORKS:
            raise ValueError(f"unknown network {network!r} for a ratio's features; choose one of {', '.join(RATIO_NETWORKS)}.")
        real, labels = load_mnist("train", source="subset", device=device)
        if network == RATIO_NETWORK:
            real = real[training_halves(labels)[CORRECTION_HALF].to(device)]
        held_out = load_mnist("val", source="subset", device=device)[0]
        with own_rng(seed, device):
            classifier = MLPDiscriminator(data_dim=128, hidden=64, depth=1).to(device)
        ratio = fit_density_ratio(classifier, real, held_out, propose, generator=generator, steps=1000,
                                  features=partial(classifier_features, network=network), progress=progress)
        if balance:
            ratio = balance_classes(ratio, partial(digit_of_features, network=network), real, propose, generator=generator)
    return propose, ratio


def digit_of_features(features: torch.Tensor, network: str = RATIO_NETWORK) -> torch.Tensor:
    """The digit that the classifier ``network`` gives each row of its 128 penultimate features
    (:func:`classifier_features`)."""
    with torch.no_grad():
        return evaluation_classifier(features.device, network).head(features).argmax(dim=1)


def balance_classes(
    ratio: DensityRatio,
    label: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    propose: Proposal,
    *,
    generator: torch.Generator,
    generated: int = 10_000,
) -> DensityRatio:
    r"""``ratio`` factorised by class, with its class part counted rather than learnt.

    When a class :math:`y(x)` is a function of the sample (here the label that ``label`` gives the classifier's
    inputs), every density splits as :math:`p(x) = p(y)\, p(x \mid y)`, and so does the ratio:

    .. math:: r(x) = \frac{p_\text{data}(y)}{p_g(y)} \cdot \frac{p_\text{data}(x \mid y)}{p_g(x \mid y)},
              \qquad \mathbb E_{x \sim p_g(\cdot \mid y)} \Big[\frac{p_\text{data}(x \mid y)}{p_g(x \mid y)}\Big] = 1.

    A learnt ratio obeys neither part exactly, and a sampler follows its errors: the classes it rates low are
    starved. Here the first factor is counted (the classes of ``real`` against those of ``generated`` fresh
    samples), and the second is the learnt ratio divided, class by class, by its mean over those samples, so
    that it averages 1 as it should. With the result, DRS keeps each class in its share of ``real``:
    :math:`p_g(y) \cdot \frac{p_\text{data}(y)}{p_g(y)} \cdot 1 = p_\text{data}(y)`.
    """
    check_count(generated, "generated")
    unbalanced = ratio._replace(label=None, log_class_weights=None)
    with torch.no_grad():
        fake = torch.cat([ratio.inputs(propose(len(chunk), generator)) for chunk in torch.arange(generated).split(1000)])
    real_classes, fake_classes = label(ratio.inputs(real)).cpu(), label(fake).cpu()
    classes = int(max(real_classes.max(), fake_classes.max())) + 1
    real_counts = torch.bincount(real_classes, minlength=classes).double()
    fake_counts = torch.bincount(fake_classes, minlength=classes).double()
    one_sided = ((real_counts == 0) != (fake_counts == 0)).nonzero().reshape(-1).tolist()
    if one_sided:
        raise ValueError(f"classes {one_sided} are drawn by only one of the real data and {generated:,} generated samples: a "
                         "ratio can only reweight the classes both draw. Raise generated, or give real data of every class.")
    log_r = unbalanced.of_inputs(fake).cpu()
    log_weights = torch.full((classes,), torch.nan, dtype=torch.float64)  # NaN: a class neither side drew
    for k in torch.nonzero(fake_counts).reshape(-1).tolist():
        log_mean_within = torch.logsumexp(log_r[fake_classes == k], dim=0) - fake_counts[k].log()
        log_weights[k] = (real_counts[k] / real_counts.sum()).log() - (fake_counts[k] / generated).log() - log_mean_within
    return ratio._replace(label=label, log_class_weights=log_weights)
