"""Recipe ``ssgan-mnist``: the semi-supervised GAN of notebook 08, and its supervised baseline.

100 labels (10 per digit, :func:`ganlib.semi_supervised.choose_labelled` with seed 0) out of the 4,500
training images of the MNIST subset; the other 4,400 are used without their labels. The semi-supervised
GAN and the baseline (the same network, the same noise, the 100 labelled images only) train for ``STEPS``
steps each with the same settings and seed, and are scored on the 500 val images.

The checkpoint holds the GAN's discriminator, a :class:`~ganlib.models.ssgan.SemiSupervisedDiscriminator`
(a 10-class classifier of images in [0, 1]), with the metrics ``val_accuracy`` and ``baseline_accuracy``,
and ``curves``: both val accuracies every ``EVALUATE_EVERY`` steps.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ganlib.checkpoints import save_checkpoint
from ganlib.data import load_mnist
from ganlib.device import seed_everything
from ganlib.recipes.recipe import Recipe
from ganlib.semi_supervised import SSGANSettings, choose_labelled, train_semi_supervised

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
