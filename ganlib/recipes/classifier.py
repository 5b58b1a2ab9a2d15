"""Recipes of the course's digit classifiers: the evaluation network, and two that learn from disjoint halves.

* ``mnist-classifier``: the evaluation network of ``ganlib.metrics``, a
  :class:`ganlib.models.classifier.MnistClassifier` trained with cross-entropy on the 4,500 training images of
  the MNIST subset, with Adam and a one-cycle learning rate (a warm-up, then a cosine decay to almost 0). With
  so few images, light augmentation (small random rotations, zooms and shifts, the variation handwriting has
  anyway) helps: the val accuracy ends near 98.5%.
* ``judge-classifier``: a second judge, independent of everything that corrects a generator. Another
  architecture (:class:`ganlib.models.lenet.LeNetClassifier`), another seed, and other digits: the second half
  of the training digits (:func:`ganlib.data.mnist.training_halves`, ``JUDGE_HALF``), which no correction uses.
* ``ratio-classifier``: the network whose features and digits a density-ratio correction may use
  (:mod:`ganlib.recipes.density_ratio`): the evaluation network's architecture, its own seed, trained on the
  first half (``CORRECTION_HALF``) only.

All three train the same way (:func:`fit_classifier`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.checkpoints import save_checkpoint
from ganlib.data.batches import BatchIterator
from ganlib.data.mnist import CORRECTION_HALF, JUDGE_HALF, load_mnist, training_halves
from ganlib.device import seed_everything
from ganlib.metrics.accuracy import accuracy
from ganlib.models.classifier import MnistClassifier
from ganlib.models.lenet import LeNetClassifier
from ganlib.recipes.recipe import Recipe
from ganlib.train import classifier_step, train

CONFIG = {"width": 32, "feature_dim": 128, "dropout": 0.3}
EPOCHS = 15
BATCH_SIZE = 64
LEARNING_RATE = 3e-3


def random_affine(
    images: torch.Tensor,
    generator: torch.Generator | None = None,
    degrees: float = 10.0,
    zoom: float = 0.1,
    shift: float = 2.0,
) -> torch.Tensor:
    r"""Rotate each image by up to ``degrees``, scale it by ``1 ± zoom`` at most, shift it by up to ``shift`` pixels.

    Each image gets its own affine map :math:`x \mapsto s R_\theta x + t` of the pixel grid
    (coordinates in [-1, 1], so one pixel is 2/28), applied with bilinear interpolation.
    """
    n, size = images.shape[0], images.shape[-1]
    u = torch.rand(n, 4, generator=generator).to(images.device) * 2 - 1  # uniform in [-1, 1]
    angle = u[:, 0] * math.radians(degrees)
    scale = 1 + u[:, 1] * zoom
    cos, sin = scale * torch.cos(angle), scale * torch.sin(angle)
    translation = u[:, 2:] * shift * 2 / size
    rows = [torch.stack([cos, -sin, translation[:, 0]], 1), torch.stack([sin, cos, translation[:, 1]], 1)]
    theta = torch.stack(rows, 1)  # (n, 2, 3)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, align_corners=False)


class Augmented:
    """Mini-batches of ``(images, labels)`` with :func:`random_affine` applied to the images."""

    def __init__(self, batches: BatchIterator, generator: torch.Generator | None = None) -> None:
        self.batches = batches
        self.generator = generator

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for images, labels in self.batches:
            yield random_affine(images, self.generator), labels


JUDGE_CONFIG = {"feature_dim": 84, "dropout": 0.2}


def fit_classifier(
    build: Callable[[], nn.Module], images: torch.Tensor, labels: torch.Tensor, *, seed: int, minutes: float | None,
    description: str,
) -> nn.Module:
    """Seed everything with ``seed``, build the network (on the images' device) and train it for ``EPOCHS`` epochs
    (or ``minutes``, whichever ends first) on augmented ``images``, with Adam and a one-cycle learning rate."""
    generator = seed_everything(seed)
    model = build().to(images.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    batches = Augmented(BatchIterator(images, labels, batch_size=BATCH_SIZE, generator=generator), generator)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=LEARNING_RATE, total_steps=EPOCHS * len(batches))
    train(classifier_step(model, optimizer, schedule), batches, {"classifier": model}, epochs=EPOCHS, minutes=minutes,
          description=description)
    return model


def _train_and_save(name: str, build: Callable[[], nn.Module], config: dict[str, float], seed: int, half: int | None,
                    output: Path, minutes: float | None, device: torch.device) -> Path:
    images, labels = load_mnist("train", source="subset", device=device)
    data = "MNIST subset, train split (4,500 images)"
    if half is not None:
        chosen = training_halves(labels)[half].to(device)
        images, labels = images[chosen], labels[chosen]
        which = "first" if half == CORRECTION_HALF else "second"
        data = f"MNIST subset, the {which} half of the train split ({len(chosen):,} images, training_halves seed 0)"
    model = fit_classifier(build, images, labels, seed=seed, minutes=minutes, description=name)
    val_images, val_labels = load_mnist("val", source="subset", device=device)
    return save_checkpoint(output, model, config, data=data, command=f"python -m ganlib train {name}",
                           metrics={"val_accuracy": accuracy(model, val_images, val_labels)})


def train_classifier(output: Path, minutes: float | None, device: torch.device) -> Path:
    """The evaluation network: seed 0, all 4,500 training digits."""
    return _train_and_save("mnist-classifier", lambda: MnistClassifier(**CONFIG), CONFIG, 0, None, output, minutes, device)


def train_judge(output: Path, minutes: float | None, device: torch.device) -> Path:
    """The LeNet judge: seed 1, the judges' half of the training digits."""
    return _train_and_save("judge-classifier", lambda: LeNetClassifier(**JUDGE_CONFIG), JUDGE_CONFIG, 1, JUDGE_HALF,
                           output, minutes, device)


def train_ratio_classifier(output: Path, minutes: float | None, device: torch.device) -> Path:
    """The evaluation network's architecture: seed 2, the corrections' half of the training digits."""
    return _train_and_save("ratio-classifier", lambda: MnistClassifier(**CONFIG), CONFIG, 2, CORRECTION_HALF,
                           output, minutes, device)


RECIPES = (
    Recipe("mnist-classifier", "CNN digit classifier, the evaluation network of ganlib.metrics", train_classifier),
    Recipe("judge-classifier", "LeNet digit classifier on the second half of the digits, an independent judge", train_judge),
    Recipe("ratio-classifier", "CNN digit classifier on the first half of the digits, for density-ratio corrections",
           train_ratio_classifier),
)
