r"""How the density ratio of a pretrained generator is estimated, so that its samples can be corrected.

The shipped checkpoints hold generators only, so the ratio :math:`r = p_\text{data} / p_g` is learnt *post hoc*
(:func:`ganlib.ratio_sampling.fit_density_ratio`): a classifier between real samples and the final
generator's, calibrated on held-out ones. ``python -m ganlib sample NAME --sampler drs|mh`` and notebooks 05
and 06 use these settings:

* ``dcgan-mnist``, ``gan-mnist``: a small network on the 128 features of the evaluation classifier
  (``mnist-classifier``). A network on the pixels tells real digits from generated ones almost perfectly (by
  their texture), so its ratio is too extreme to sample with; the features see the digit's shape instead. The
  same features score the Fréchet distance, precision and recall, so those measures are not independent
  judges of the correction; the near-copy rate and the pictures are. Real digits: the subset's 4,500 training
  images; held out: its 500 validation images.
* ``gan-grid-naive``: a network on the points themselves, with fresh draws of the 25-mode grid as real data.
"""

from __future__ import annotations

import torch
from torch import nn

from ganlib.checkpoints import pretrained
from ganlib.data.mnist import load_mnist
from ganlib.data.toy import grid
from ganlib.device import get_device, own_rng
from ganlib.metrics.features import classifier_features
from ganlib.models.mlp_gan import MLPDiscriminator
from ganlib.ratio_sampling import DensityRatio, Proposal, fit_density_ratio

RATIO_MODELS = ("dcgan-mnist", "gan-mnist", "gan-grid-naive")
DRS_GAMMA: dict[str, float] = {"gan-grid-naive": -6.0}
"""DRS's shift where the exact rule does worse: an exact sampler follows the errors of the estimated ratio exactly
(on the grid, the largest ratios sit a little off two modes), and the shift tempers them."""


def generator_proposal(model: nn.Module) -> Proposal:
    """``propose(n, generator)``: ``n`` samples of ``model``, without gradients."""

    def propose(n: int, generator: torch.Generator) -> torch.Tensor:
        with torch.no_grad():
            return model.sample(n, generator=generator)

    return propose


def pretrained_density_ratio(
    name: str, *, seed: int = 0, device: torch.device | str | None = None, progress: bool = False
) -> tuple[Proposal, DensityRatio]:
    """The generator ``name`` as a proposal, and its fitted, calibrated density ratio (seeded by ``seed``)."""
    if name not in RATIO_MODELS:
        raise KeyError(f"no density-ratio settings for {name!r}; the samplers drs and mh know {', '.join(RATIO_MODELS)}.")
    device = torch.device(device) if device is not None else get_device()
    propose = generator_proposal(pretrained(name, device))
    generator = torch.Generator().manual_seed(seed)
    if name == "gan-grid-naive":
        mixture = grid()
        real, held_out = mixture.sample(20_000, generator).to(device), mixture.sample(2_000, generator).to(device)
        with own_rng(seed, device):
            classifier = MLPDiscriminator(data_dim=2, hidden=128, depth=2).to(device)
        ratio = fit_density_ratio(classifier, real, held_out, propose, generator=generator, steps=3000, progress=progress)
    else:
        real = load_mnist("train", source="subset", device=device)[0]
        held_out = load_mnist("val", source="subset", device=device)[0]
        with own_rng(seed, device):
            classifier = MLPDiscriminator(data_dim=128, hidden=64, depth=1).to(device)
        ratio = fit_density_ratio(classifier, real, held_out, propose, generator=generator, steps=1000,
                                  features=classifier_features, progress=progress)
    return propose, ratio
