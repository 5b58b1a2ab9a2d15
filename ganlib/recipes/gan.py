"""Recipes for the MLP GANs of notebook 05.

* ``gan-grid`` and ``gan-grid-naive``: the same MLP GAN on the 25-mode grid (``ganlib.data.grid()``), with
  and without the fix of notebook 05: PacGAN packing (the discriminator judges ``GRID_PACK`` samples at
  once) and a learning rate that decays linearly to 0. Everything else is equal: networks, Adam, batch of
  256 discriminator inputs, ``GRID_STEPS`` steps, seed. Their checkpoints store
  ``ganlib.metrics.mode_coverage`` of 2,500 samples.
* ``gan-mnist``: an MLP GAN with the same fix on the 4,500 training images of the MNIST subset, scaled to
  [-1, 1]; its checkpoint stores ``ganlib.metrics.classifier_confidence`` of 5,000 samples.

Each checkpoint holds the generator only (an :class:`~ganlib.models.mlp_gan.MLPGenerator`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ganlib.checkpoints import save_checkpoint
from ganlib.data import BatchIterator, grid, load_mnist
from ganlib.device import seed_everything
from ganlib.gan_setup import mlp_gan
from ganlib.models.mlp_gan import MLPGenerator
from ganlib.recipes.recipe import Recipe
from ganlib.train import train

GENERATOR_ARGUMENTS = ("latent_dim", "hidden", "depth", "batchnorm")
GRID_CONFIG: dict[str, Any] = {"latent_dim": 2, "hidden": 128, "depth": 3, "lr": 1e-3}
GRID_PACK = 2
GRID_BATCH = 256  # discriminator inputs per step (each holds `pack` samples)
GRID_STEPS = 20_000

MNIST_CONFIG: dict[str, Any] = {
    "gan": {"latent_dim": 64, "hidden": 512, "depth": 3, "lr": 2e-4, "batchnorm": True, "pack": 2},
    "batch_size": 64,  # discriminator inputs per step
    "steps": 24_000,
}


def generator_config(data_dim: int, settings: dict[str, Any]) -> dict[str, Any]:
    """The generator's constructor arguments, out of the ``mlp_gan`` settings, as its checkpoint stores them."""
    return {"data_dim": data_dim, **{k: v for k, v in settings.items() if k in GENERATOR_ARGUMENTS}}


def train_grid_gan_variant(
    pack: int, decay: bool, device: torch.device, minutes: float | None = None, description: str = "gan-grid"
) -> MLPGenerator:
    """Train the grid GAN on 100,000 points of the 25-grid for ``GRID_STEPS`` steps (seed 0) with PacGAN packing of
    ``pack`` samples and, if ``decay``, a learning rate decaying linearly to 0; return its generator.

    ``gan-grid`` is ``pack=GRID_PACK, decay=True`` and ``gan-grid-naive`` is ``pack=1, decay=False``; the two
    mixed settings are the ablation of notebook 05 (``benchmarks/ablation.py``).
    """
    generator = seed_everything(0)
    data = BatchIterator(grid().sample(100_000, generator).to(device), batch_size=GRID_BATCH * pack, generator=generator)
    gan = mlp_gan(data_dim=2, pack=pack, device=device, **GRID_CONFIG)
    step = gan.step(decay_over=GRID_STEPS if decay else None)
    train(step, data, gan.models, gan.optimizers, steps=GRID_STEPS, minutes=minutes, log_every=100, description=description)
    return gan.generator


def train_grid_gan(name: str, fixed: bool, output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train the grid GAN with the fix (packing and a decaying learning rate) or without; save the generator
    with the mode coverage of 2,500 samples."""
    from ganlib.metrics import mode_coverage

    pack = GRID_PACK if fixed else 1
    generator = train_grid_gan_variant(pack, fixed, device, minutes, description=name)
    samples = generator.sample(2500, torch.Generator().manual_seed(0)).cpu()
    setup = f"PacGAN (pack={pack}), learning rate decaying to 0" if fixed else "plain GAN, constant learning rate"
    return save_checkpoint(
        output,
        generator.cpu(),
        generator_config(2, GRID_CONFIG),
        data=f"25-mode grid, {setup}, {GRID_STEPS:,} steps",
        command=f"python -m ganlib train {name}",
        metrics=mode_coverage(samples, grid()),
    )


def train_mnist_gan(output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train on the MNIST subset's 4,500 training images; save the generator with its classifier scores."""
    from ganlib.metrics import classifier_confidence

    generator = seed_everything(0)
    images, _ = load_mnist("train", source="subset", scale="symmetric", device=device)
    config = MNIST_CONFIG
    gan = mlp_gan(data_dim=784, device=device, **config["gan"])
    data = BatchIterator(images, batch_size=config["batch_size"] * gan.pack, generator=generator)
    step = gan.step(decay_over=config["steps"])
    train(step, data, gan.models, gan.optimizers, steps=config["steps"], minutes=minutes, log_every=100, description="gan-mnist")
    gan.generator.eval()
    scores = classifier_confidence(gan.generator.sample(5000, torch.Generator().manual_seed(1)))  # 5,000: a steadier rate
    return save_checkpoint(
        output,
        gan.generator.cpu(),
        generator_config(784, config["gan"]),
        data="MNIST subset, train split (4,500 images)",
        command="python -m ganlib train gan-mnist",
        metrics={"confident": scores["confident"], "class_entropy": scores["class_entropy"]},
    )


RECIPES = (
    Recipe(
        "gan-grid",
        "MLP GAN on the 25-mode grid with notebook 05's fix (packing, decaying learning rate)",
        lambda output, minutes, device: train_grid_gan("gan-grid", True, output, minutes, device),
    ),
    Recipe(
        "gan-grid-naive",
        "the same MLP GAN on the 25-mode grid without the fix",
        lambda output, minutes, device: train_grid_gan("gan-grid-naive", False, output, minutes, device),
    ),
    Recipe("gan-mnist", "MLP GAN on the MNIST subset", train_mnist_gan),
)
