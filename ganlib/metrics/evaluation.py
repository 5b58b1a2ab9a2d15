"""All the sample-quality measures of the course in one call.

``evaluate(generator)`` draws ``n`` images and compares them with ``2n`` real training images (drawn with
the same ``seed``): the first ``n`` are the reference for the Fréchet distance and precision/recall, and
the Fréchet distance between those and the other ``n`` is the floor (see :func:`frechet_floor`), so
``frechet_ratio`` = 1 means "as close to the data as a fresh sample of real digits".
"""

from __future__ import annotations

from typing import Protocol

import torch

from ganlib.checks import check_count, unit_images
from ganlib.data.mnist import load_mnist
from ganlib.metrics.confidence import classifier_confidence
from ganlib.metrics.copies import memorisation
from ganlib.metrics.features import EVALUATION, classifier_features
from ganlib.metrics.frechet import frechet_distance
from ganlib.metrics.manifold import precision_recall


class ImageGenerator(Protocol):
    """Anything with ``sample(n, generator=None)`` returning ``n`` images in [0, 1], shaped ``(n, 1, 28, 28)``."""

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor: ...


def draw(generator_or_samples: ImageGenerator | torch.Tensor, n: int, seed: int = 0) -> torch.Tensor:
    """``n`` images from a generator (seeded with ``seed``), or the first ``n`` of a tensor of images."""
    check_count(n, "n")
    if hasattr(generator_or_samples, "sample"):
        with torch.no_grad():
            images = generator_or_samples.sample(n, generator=torch.Generator().manual_seed(seed))
    else:
        images = torch.as_tensor(generator_or_samples)
        if images.ndim == 0 or images.shape[0] < n:
            found = images.shape[0] if images.ndim else 0
            raise ValueError(f"got {found} images but n={n}; pass n={found} or more images.")
        images = images[:n]
    return unit_images(images.detach())


def evaluate(
    generator_or_samples: ImageGenerator | torch.Tensor,
    n: int = 1000,
    *,
    seed: int = 0,
    train: torch.Tensor | None = None,
    network: str = EVALUATION,
) -> dict[str, float]:
    """Every measure of :mod:`ganlib.metrics` for ``n`` samples, as one flat dict.

    Args:
        generator_or_samples: a generator (``sample(n, generator)``) or a tensor of at least ``n`` images in [0, 1].
        n: number of samples; also the size of the real reference set and of the floor's sets.
        seed: seeds the generator's noise and the choice of real images, so the result is repeatable.
        train: the real images the generator learnt from; default the MNIST subset's 4,500 training images.
        network: the classifier whose features and probabilities judge the samples (``ganlib.metrics.features``):
            the evaluation network, or the independent ``"judge-classifier"``.

    Returns:
        ``n``; ``confident``, ``class_entropy`` and ``digit_0`` … ``digit_9`` (:func:`classifier_confidence`);
        ``frechet``, ``frechet_floor`` and ``frechet_ratio`` (their quotient); ``precision`` and ``recall``
        (k = 3); ``memorisation`` (share of near-copies of a training image).
    """
    samples = draw(generator_or_samples, n, seed)
    if train is None:
        train = load_mnist("train", source="subset")[0]
    train = unit_images(train).to(samples.device)
    if train.shape[0] < 2 * n:
        raise ValueError(f"evaluate(n={n}) needs 2n = {2 * n} real training images, got {train.shape[0]}; lower n.")
    chosen = torch.randperm(train.shape[0], generator=torch.Generator().manual_seed(seed))[: 2 * n]
    real = classifier_features(train[chosen.to(train.device)], network)
    reference, fresh = real[:n], real[n:]
    fake = classifier_features(samples, network)
    frechet, floor = frechet_distance(fake, reference), frechet_distance(fresh, reference)
    return {
        "n": n,
        **classifier_confidence(samples, network),
        "frechet": frechet,
        "frechet_floor": floor,
        "frechet_ratio": frechet / floor,
        **precision_recall(reference, fake),
        "memorisation": memorisation(samples, train),
    }


def evaluate_real_data(
    n: int = 1000, seed: int = 0, device: torch.device | str | None = None, network: str = EVALUATION
) -> dict[str, float]:
    """:func:`evaluate` of ``n`` real digits that are held out of the training images they are compared with:
    the 500 validation digits, topped up with training digits drawn with ``seed``. The reference row of
    every comparison table (notebook 07, ``benchmarks/quality.py``)."""
    val = load_mnist("val", source="subset", device=device)[0]
    train = load_mnist("train", source="subset", device=device)[0]
    held_out = max(n - len(val), 0)
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed)).to(train.device)
    samples = torch.cat([val, train[order[:held_out]]])
    return evaluate(samples, n, seed=seed, train=train[order[held_out:]], network=network)
