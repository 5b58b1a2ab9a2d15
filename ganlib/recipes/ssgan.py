r"""Semi-supervised learning with a GAN (Salimans et al., 2016), and the supervised baseline it is compared with.

A few labelled images, many unlabelled ones. The discriminator :class:`~ganlib.models.ssgan.SemiSupervisedDiscriminator`
is a K-class classifier whose logits also give :math:`D(x) = Z(x) / (Z(x) + 1)`; it learns

* the classes from the labelled images (cross-entropy),
* what a digit looks like at all from the unlabelled images and the generator's fakes (the GAN loss),

both in :func:`ganlib.models.ssgan.semi_supervised_discriminator_loss`. The generator is trained with feature matching
(:func:`ganlib.models.ssgan.feature_matching_loss`). The baseline is the same network, with the same noise, trained on the
labelled images alone for the same number of steps.

One round of the game is :meth:`ganlib.gan.SemiSupervisedGAN.step`.

Recipe ``ssgan-mnist``:

100 labels (10 per digit, :func:`choose_labelled` with seed 0) out of the 4,500
training images of the MNIST subset; the other 4,400 are used without their labels. The semi-supervised
GAN and the baseline (the same network, the same noise, the 100 labelled images only) train for ``STEPS``
steps each with the same settings and seed, and are scored on the 500 val images.

The checkpoint holds the GAN's discriminator, a :class:`~ganlib.models.ssgan.SemiSupervisedDiscriminator`
(a 10-class classifier of images in [0, 1]), with the metrics ``val_accuracy`` and ``baseline_accuracy``,
and ``curves``: both val accuracies every ``EVALUATE_EVERY`` steps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ganlib.checkpoints import save_checkpoint
from ganlib.checks import check_images
from ganlib.data.batches import BatchIterator
from ganlib.data.mnist import load_mnist
from ganlib.device import own_rng, seed_everything
from ganlib.gan import SemiSupervisedGAN
from ganlib.metrics.accuracy import accuracy
from ganlib.models.mlp_gan import MLPGenerator
from ganlib.models.ssgan import (
    SemiSupervisedDiscriminator,
)
from ganlib.recipes.recipe import Recipe
from ganlib.train import History, classifier_step, linear_decay, train


def choose_labelled(labels: torch.Tensor, per_class: int = 10, seed: int = 0) -> torch.Tensor:
    """Indices of ``per_class`` images of every class, drawn at random with ``seed``, sorted.

    The same labels and seed always give the same indices; the labelled set is balanced by construction.
    """
    if labels.ndim != 1 or labels.dtype.is_floating_point:
        raise ValueError(f"labels must be a 1-D tensor of integer classes, got {labels.dtype} of shape {tuple(labels.shape)}.")
    if per_class < 1:
        raise ValueError(f"per_class must be at least 1, got {per_class}.")
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for k in labels.unique().tolist():
        members = (labels == k).nonzero().squeeze(1).cpu()
        if len(members) < per_class:
            raise ValueError(f"class {k} has only {len(members)} images, fewer than per_class={per_class}; lower per_class.")
        chosen.append(members[torch.randperm(len(members), generator=generator)[:per_class]])
    return torch.cat(chosen).sort().values.to(labels.device)


class SemiSupervisedBatches:
    """Batches ``(unlabelled, labelled_images, labels)``: an epoch is one shuffled pass over the unlabelled images,
    and each batch comes with ``labelled_batch`` labelled examples drawn afresh (the few labels are seen again and again)."""

    def __init__(
        self,
        unlabelled: torch.Tensor,
        labelled_images: torch.Tensor,
        labels: torch.Tensor,
        batch_size: int = 100,
        labelled_batch: int = 100,
        generator: torch.Generator | None = None,
    ) -> None:
        if labelled_images.shape[0] != labels.shape[0]:
            raise ValueError(f"got {labelled_images.shape[0]} labelled images but {labels.shape[0]} labels; give one label per image.")
        if not 1 <= labelled_batch <= labels.shape[0]:
            raise ValueError(f"labelled_batch must be between 1 and the {labels.shape[0]} labelled images, got {labelled_batch}.")
        self.unlabelled = BatchIterator(check_images(unlabelled), batch_size=batch_size, generator=generator)
        self.labelled_images, self.labels = check_images(labelled_images), labels
        self.labelled_batch = labelled_batch
        self.generator = generator

    def __len__(self) -> int:
        return len(self.unlabelled)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        for (unlabelled,) in self.unlabelled:
            index = torch.randperm(self.labels.shape[0], generator=self.generator)[: self.labelled_batch].to(self.labels.device)
            yield unlabelled, self.labelled_images[index], self.labels[index]


@dataclass(frozen=True)
class SSGANSettings:
    """The networks and optimiser of a semi-supervised GAN run (after Salimans et al.'s MNIST model)."""

    hidden: tuple[int, ...] = (500, 250, 250)
    input_noise: float = 0.3
    hidden_noise: float = 0.5
    latent_dim: int = 100
    generator_hidden: int = 500
    batch_size: int = 100
    labelled_batch: int = 100
    learning_rate: float = 3e-3
    betas: tuple[float, float] = (0.5, 0.999)

    def discriminator_config(self) -> dict[str, Any]:
        """Keyword arguments of :class:`SemiSupervisedDiscriminator` (stored in the checkpoint)."""
        return {"hidden": list(self.hidden), "classes": 10, "input_noise": self.input_noise, "hidden_noise": self.hidden_noise}


@dataclass
class SemiSupervisedRun:
    """A trained classifier, its val accuracy during training (``history["val_accuracy"]`` at ``history["val_step"]``),
    and, for the GAN, its generator."""

    classifier: SemiSupervisedDiscriminator
    history: History
    generator: MLPGenerator | None = None

    @property
    def val_accuracy(self) -> float:
        """The val accuracy at the end of training."""
        return self.history["val_accuracy"][-1]


def train_semi_supervised(
    images: torch.Tensor,
    labels: torch.Tensor,
    labelled: torch.Tensor,
    val: tuple[torch.Tensor, torch.Tensor],
    *,
    steps: int,
    gan: bool = True,
    settings: SSGANSettings = SSGANSettings(),
    seed: int = 0,
    evaluate_every: int = 100,
    minutes: float | None = None,
    progress: bool = True,
) -> SemiSupervisedRun:
    """Train the semi-supervised GAN (``gan=True``) or the supervised baseline (``gan=False``) for ``steps`` steps.

    Both networks use Adam (:meth:`ganlib.gan.GAN.build`); the learning rates stay constant for the first half of
    the steps, then decay linearly to 0 (the accuracy settles instead of jumping about with the last updates).

    Args:
        images, labels: the training split, images in [0, 1] on the training device.
        labelled: indices of the images whose labels may be used (e.g. :func:`choose_labelled`); the GAN uses
            the other images without their labels, the baseline ignores them.
        val: ``(images, labels)`` whose accuracy is recorded every ``evaluate_every`` steps and at the end.
    """
    images = check_images(images)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"got {images.shape[0]} images but {labels.shape[0]} labels; give one label per image.")
    device = images.device
    labelled_images, labelled_labels = images[labelled], labels[labelled]
    with own_rng(seed, device):
        classifier = SemiSupervisedDiscriminator(**settings.discriminator_config()).to(device)
        order = torch.Generator().manual_seed(seed)
        if gan:
            generator = MLPGenerator(settings.latent_dim, 28 * 28, settings.generator_hidden, depth=2, batchnorm=True).to(device)
            game = SemiSupervisedGAN.build(generator, classifier, lr=settings.learning_rate, betas=settings.betas,
                                           decay_over=steps, decay_from=steps // 2)
            unlabelled = images[~torch.isin(torch.arange(images.shape[0], device=device), labelled)]
            data: Any = SemiSupervisedBatches(unlabelled, labelled_images, labelled_labels, settings.batch_size,
                                              settings.labelled_batch, order)
            step, models = game.step, game.models
        else:
            generator = None
            optimizer = torch.optim.Adam(classifier.parameters(), lr=settings.learning_rate, betas=settings.betas)
            data = BatchIterator(labelled_images, labelled_labels, batch_size=settings.labelled_batch, generator=order)
            step = classifier_step(classifier, optimizer, linear_decay(optimizer, steps, steps // 2))
            models = {"discriminator": classifier}
        history = train(
            step, data, models, steps=steps, minutes=minutes, progress=progress,
            snapshot=lambda: torch.tensor(accuracy(classifier, *val)), snapshot_every=evaluate_every,
            description="semi-supervised GAN" if gan else "supervised baseline",
        )
    history["val_step"], history["val_accuracy"] = history.pop("snapshot_step"), [a.item() for a in history.pop("snapshots")]
    return SemiSupervisedRun(classifier, history, generator)


SETTINGS = SSGANSettings()
LABELS_PER_CLASS = 10
STEPS = 4000
EVALUATE_EVERY = 250


def train_ssgan(output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train the semi-supervised GAN and the baseline (each within ``minutes`` when given) and save the GAN's classifier."""
    seed_everything(0)
    images, labels = load_mnist("train", source="subset", device=device)
    val = load_mnist("val", source="subset", device=device)
    labelled = choose_labelled(labels, LABELS_PER_CLASS, seed=0)
    runs = {
        name: train_semi_supervised(images, labels, labelled, val, steps=STEPS, gan=gan, settings=SETTINGS,
                                    evaluate_every=EVALUATE_EVERY, minutes=minutes)
        for name, gan in (("ssgan", True), ("baseline", False))
    }
    return save_checkpoint(
        output,
        runs["ssgan"].classifier,
        SETTINGS.discriminator_config(),
        data=f"MNIST subset, train split: {len(labelled)} labelled + {len(labels) - len(labelled)} unlabelled images",
        command="python -m ganlib train ssgan-mnist",
        metrics={"val_accuracy": runs["ssgan"].val_accuracy, "baseline_accuracy": runs["baseline"].val_accuracy},
        curves={name: {"step": run.history["val_step"], "val_accuracy": run.history["val_accuracy"]} for name, run in runs.items()},
    )


RECIPES = (
    Recipe("ssgan-mnist", "semi-supervised GAN classifier from 100 labels, with its supervised baseline", train_ssgan),
)
