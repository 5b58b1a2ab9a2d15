r"""Semi-supervised learning with a GAN (Salimans et al., 2016), and the supervised baseline it is compared with.

A few labelled images, many unlabelled ones. The discriminator :class:`~ganlib.models.ssgan.SemiSupervisedDiscriminator`
is a K-class classifier whose logits also give :math:`D(x) = Z(x) / (Z(x) + 1)`; it learns

* the classes from the labelled images (cross-entropy),
* what a digit looks like at all from the unlabelled images and the generator's fakes (the GAN loss),

both in ``ganlib.losses.semi_supervised_discriminator_loss``. The generator is trained with feature matching
(``ganlib.losses.feature_matching_loss``). The baseline is the same network, with the same noise, trained on the
labelled images alone for the same number of steps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ganlib.data import BatchIterator
from ganlib.losses import feature_matching_loss, semi_supervised_discriminator_loss
from ganlib.metrics.accuracy import accuracy
from ganlib.models.mlp_gan import MLPGenerator
from ganlib.models.ssgan import SemiSupervisedDiscriminator
from ganlib.steps import classifier_step, with_schedule
from ganlib.train import Batch, History, Precision, StepFunction, train
from ganlib.validation import check_images


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


def semi_supervised_gan_step(
    generator: MLPGenerator,
    discriminator: SemiSupervisedDiscriminator,
    g_optimizer: torch.optim.Optimizer,
    d_optimizer: torch.optim.Optimizer,
) -> StepFunction:
    """One update of each player on ``(unlabelled, labelled_images, labels)`` batches (images in [0, 1]).

    D minimises ``semi_supervised_discriminator_loss``; G minimises ``feature_matching_loss`` between D's
    last hidden layer on the unlabelled batch and on its fakes (``generator.decode``, in [0, 1]).
    Logs ``d_loss``, its ``supervised`` and ``unsupervised`` parts, ``g_loss`` and the labelled batch's ``accuracy``.
    """

    def step(batch: Batch, precision: Precision) -> dict[str, torch.Tensor]:
        unlabelled, labelled, labels = batch
        z = torch.randn(unlabelled.shape[0], generator.latent_dim, device=unlabelled.device)
        with precision.autocast():
            fake = generator.decode(z)
            labelled_logits = discriminator(labelled)
            losses = semi_supervised_discriminator_loss(labelled_logits, labels, discriminator(unlabelled), discriminator(fake.detach()))
        precision.minimise(losses["loss"], d_optimizer)
        discriminator.requires_grad_(False)  # G's update needs gradients through D, not for D's weights
        with precision.autocast():
            with torch.no_grad():
                real_features = discriminator.logits_and_features(unlabelled)[1]
            g_loss = feature_matching_loss(real_features, discriminator.logits_and_features(fake)[1])
        precision.minimise(g_loss, g_optimizer)
        discriminator.requires_grad_(True)
        accuracy = (labelled_logits.argmax(dim=1) == labels).float().mean()
        return {"d_loss": losses["loss"], "supervised": losses["supervised"], "unsupervised": losses["unsupervised"],
                "g_loss": g_loss, "accuracy": accuracy}

    return step


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

    Both networks use Adam; the learning rates stay constant for the first half of the steps, then decay
    linearly to 0 (the accuracy settles instead of jumping about with the last updates).

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
    batches_generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    classifier = SemiSupervisedDiscriminator(**settings.discriminator_config()).to(device)
    d_optimizer = torch.optim.Adam(classifier.parameters(), lr=settings.learning_rate, betas=settings.betas)
    labelled_images, labelled_labels = images[labelled], labels[labelled]
    models: dict[str, nn.Module] = {"classifier": classifier}
    optimizers = {"classifier": d_optimizer}
    generator = None
    if gan:
        generator = MLPGenerator(settings.latent_dim, 28 * 28, settings.generator_hidden, depth=2, batchnorm=True).to(device)
        g_optimizer = torch.optim.Adam(generator.parameters(), lr=settings.learning_rate, betas=settings.betas)
        unlabelled = images[~torch.isin(torch.arange(images.shape[0], device=device), labelled)]
        data: Any = SemiSupervisedBatches(unlabelled, labelled_images, labelled_labels, settings.batch_size,
                                          settings.labelled_batch, batches_generator)
        step = semi_supervised_gan_step(generator, classifier, g_optimizer, d_optimizer)
        models["generator"], optimizers["generator"] = generator, g_optimizer
    else:
        data = BatchIterator(labelled_images, labelled_labels, batch_size=settings.labelled_batch, generator=batches_generator)
        step = classifier_step(classifier, d_optimizer)
    for optimizer in optimizers.values():
        step = with_schedule(step, torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: min(1.0, 2 * (1 - t / steps))))
    history = train(
        step, data, models, optimizers, steps=steps, minutes=minutes, progress=progress,
        snapshot=lambda: torch.tensor(accuracy(classifier, *val)), snapshot_every=evaluate_every,
        description="semi-supervised GAN" if gan else "supervised baseline",
    )
    history["val_step"], history["val_accuracy"] = history.pop("snapshot_step"), [a.item() for a in history.pop("snapshots")]
    return SemiSupervisedRun(classifier, history, generator)
