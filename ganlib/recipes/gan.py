"""Recipes for the MLP GANs of notebook 05.

* ``gan-grid`` and ``gan-grid-naive``: the same MLP GAN on the 25-mode grid (``ganlib.data.toy.grid()``), with
  and without the fix of notebook 05: PacGAN packing (the discriminator judges ``GRID_PACK`` samples at
  once) and a learning rate that decays linearly to 0. Everything else is equal: networks, Adam, batch of
  256 discriminator inputs, ``GRID_STEPS`` steps, seed. Their checkpoints store
  ``ganlib.metrics.modes.mode_coverage`` of 2,500 samples.
* ``gan-grid-ablation``: the two mixed settings of the fix, packing alone and the decaying learning rate
  alone (otherwise as ``gan-grid``), for notebook 05's ablation table; it stores each run's mode coverage and
  2,500 samples (no networks).
* ``gan-grid-costs``: notebook 05's experiment on the divergence and mode collapse. The naive grid GAN (no
  packing, constant learning rate) trained with each generator cost, minimax, non-saturating and
  maximum-likelihood, from ``COSTS_SEEDS`` seeds for ``COSTS_STEPS`` steps; it stores each run's mode coverage
  and 2,500 samples (no networks).
* ``gan-mnist``: an MLP GAN with the same fix on the 4,500 training images of the MNIST subset, scaled to
  [-1, 1]; its checkpoint stores ``ganlib.metrics.confidence.classifier_confidence`` of 5,000 samples.

Each checkpoint holds the generator only (an :class:`~ganlib.models.mlp_gan.MLPGenerator`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch

from ganlib.checkpoints import save_checkpoint, save_runs
from ganlib.data.batches import BatchIterator
from ganlib.data.mnist import load_mnist
from ganlib.data.toy import grid
from ganlib.device import seed_everything
from ganlib.gan import GAN
from ganlib.models.mlp_gan import MLPDiscriminator, MLPGenerator
from ganlib.recipes.recipe import Recipe
from ganlib.train import TrainingDiverged, train

GRID_GENERATOR: dict[str, Any] = {"latent_dim": 2, "data_dim": 2, "hidden": 128, "depth": 3}
GRID_DISCRIMINATOR: dict[str, Any] = {"hidden": 128, "depth": 3}  # its input: GRID_PACK points of 2 values
GRID_LR = 1e-3
GRID_PACK = 2
GRID_BATCH = 256  # discriminator inputs per step (each holds `pack` samples)
GRID_STEPS = 20_000

MNIST_GENERATOR: dict[str, Any] = {"latent_dim": 64, "data_dim": 784, "hidden": 512, "depth": 3, "batchnorm": True}
MNIST_DISCRIMINATOR: dict[str, Any] = {"hidden": 512, "depth": 3}
MNIST_LR = 2e-4
MNIST_PACK = 2
MNIST_BATCH = 64  # discriminator inputs per step
MNIST_STEPS = 24_000


def mlp_gan(generator: dict[str, Any], discriminator: dict[str, Any], pack: int, device: torch.device | str = "cpu", **options: Any) -> GAN:
    """An MLP generator and an MLP discriminator that judges ``pack`` samples at once, set up by :meth:`GAN.build`."""
    G = MLPGenerator(**generator).to(device)
    D = MLPDiscriminator(data_dim=pack * generator["data_dim"], **discriminator).to(device)
    return GAN.build(G, D, pack=pack, **options)


def grid_gan(pack: int, decay: bool, device: torch.device, *, loss: str = "nonsaturating", seed: int = 0,
             steps: int = GRID_STEPS) -> tuple[GAN, BatchIterator]:
    """The grid GAN, seeded with ``seed``, and its batches of 100,000 points of the 25-grid: PacGAN packing of
    ``pack`` samples, the generator cost ``loss`` and, if ``decay``, a learning rate decaying linearly to 0 over
    ``steps`` steps."""
    generator = seed_everything(seed)
    data = BatchIterator(grid().sample(100_000, generator).to(device), batch_size=GRID_BATCH * pack, generator=generator)
    gan = mlp_gan(GRID_GENERATOR, GRID_DISCRIMINATOR, pack, device, lr=GRID_LR, loss=loss,
                  decay_over=steps if decay else None)
    return gan, data


def train_grid_gan_variant(
    pack: int, decay: bool, device: torch.device, minutes: float | None = None, description: str = "gan-grid"
) -> MLPGenerator:
    """Train the grid GAN (:func:`grid_gan`, seed 0) for ``GRID_STEPS`` steps; return its generator.

    ``gan-grid`` is ``pack=GRID_PACK, decay=True`` and ``gan-grid-naive`` is ``pack=1, decay=False``; the two
    mixed settings are the ablation of notebook 05 (``benchmarks/ablation.py``).
    """
    gan, data = grid_gan(pack, decay, device)
    train(gan.step, data, gan.models, steps=GRID_STEPS, minutes=minutes, log_every=100, description=description)
    return gan.generator


ABLATION = {"packing only": (GRID_PACK, False), "decaying rate only": (1, True)}  # name: (pack, decay)


def train_ablation(output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train the fix's two halves one at a time (``gan-grid-ablation``, seed 0, ``GRID_STEPS`` steps each); save
    each run's mode coverage and 2,500 samples, drawn as :func:`train_grid_gan` draws them."""
    from ganlib.metrics.modes import mode_coverage

    runs: dict[str, dict[str, Any]] = {}
    share = None if minutes is None else minutes / len(ABLATION)
    for name, (pack, decay) in ABLATION.items():
        generator = train_grid_gan_variant(pack, decay, device, share, description=name)
        samples = generator.sample(2500, torch.Generator().manual_seed(0)).cpu()
        runs[name] = {"pack": pack, "decay": decay, "samples": samples, **mode_coverage(samples, grid())}
    return save_runs(
        output,
        runs,
        data=f"25-mode grid, one half of the fix at a time, {GRID_STEPS:,} steps, seed 0",
        command="python -m ganlib train gan-grid-ablation",
    )


GENERATOR_COSTS = ("minimax", "nonsaturating", "max-likelihood")
COSTS_SEEDS = (0, 1, 2)
COSTS_STEPS = 5_000


def train_generator_costs(output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train the naive grid GAN with each generator cost from each seed (``gan-grid-costs``); save every run's
    mode coverage, 2,500 samples, and D's mean outputs on real and fake points over its last 1,000 steps. A run whose loss becomes NaN or infinite keeps its last finite generator and
    records the step (``diverged``)."""
    from ganlib.metrics.modes import mode_coverage

    runs: dict[str, dict[str, Any]] = {}
    share = None if minutes is None else minutes / (len(GENERATOR_COSTS) * len(COSTS_SEEDS))
    for loss in GENERATOR_COSTS:
        for seed in COSTS_SEEDS:
            gan, data = grid_gan(1, False, device, loss=loss, seed=seed, steps=COSTS_STEPS)
            diverged, late = "", {"d_real": math.nan, "d_fake": math.nan}
            try:
                history = train(gan.step, data, gan.models, steps=COSTS_STEPS, minutes=share, log_every=100,
                                description=f"{loss}, seed {seed}")
                late = {key: sum(history[key][-10:]) / len(history[key][-10:]) for key in late}  # the last 1,000 steps
            except TrainingDiverged as error:
                diverged = str(error)
            samples = gan.generator.sample(2500, torch.Generator().manual_seed(0)).cpu()
            runs[f"{loss}, seed {seed}"] = {"loss": loss, "seed": seed, "diverged": diverged, "samples": samples,
                                            **late, **mode_coverage(samples, grid())}
    return save_runs(
        output,
        runs,
        data=f"25-mode grid, plain GAN (no packing, constant learning rate {GRID_LR:g}), {COSTS_STEPS:,} steps per run, "
        f"seeds {', '.join(map(str, COSTS_SEEDS))}",
        command="python -m ganlib train gan-grid-costs",
    )


def train_grid_gan(name: str, fixed: bool, output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train the grid GAN with the fix (packing and a decaying learning rate) or without; save the generator
    with the mode coverage of 2,500 samples."""
    from ganlib.metrics.modes import mode_coverage

    pack = GRID_PACK if fixed else 1
    generator = train_grid_gan_variant(pack, fixed, device, minutes, description=name)
    samples = generator.sample(2500, torch.Generator().manual_seed(0)).cpu()
    setup = f"PacGAN (pack={pack}), learning rate decaying to 0" if fixed else "plain GAN, constant learning rate"
    return save_checkpoint(
        output,
        generator.cpu(),
        GRID_GENERATOR,
        data=f"25-mode grid, {setup}, {GRID_STEPS:,} steps",
        command=f"python -m ganlib train {name}",
        metrics=mode_coverage(samples, grid()),
    )


def train_mnist_gan(output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train on the MNIST subset's 4,500 training images; save the generator with its classifier scores."""
    from ganlib.metrics.confidence import classifier_confidence

    generator = seed_everything(0)
    images, _ = load_mnist("train", source="subset", scale="symmetric", device=device)
    gan = mlp_gan(MNIST_GENERATOR, MNIST_DISCRIMINATOR, MNIST_PACK, device, lr=MNIST_LR, decay_over=MNIST_STEPS)
    data = BatchIterator(images, batch_size=MNIST_BATCH * MNIST_PACK, generator=generator)
    train(gan.step, data, gan.models, steps=MNIST_STEPS, minutes=minutes, log_every=100, description="gan-mnist")
    gan.generator.eval()
    scores = classifier_confidence(gan.generator.sample(5000, torch.Generator().manual_seed(1)))  # 5,000: a steadier rate
    return save_checkpoint(
        output,
        gan.generator.cpu(),
        MNIST_GENERATOR,
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
    Recipe(
        "gan-grid-ablation",
        "notebook 05's ablation: the grid GAN with packing only, and with the decaying learning rate only",
        train_ablation,
        folder="runs",
    ),
    Recipe(
        "gan-grid-costs",
        "notebook 05's experiment: the naive grid GAN with the minimax, non-saturating and maximum-likelihood costs, 3 seeds",
        train_generator_costs,
        folder="runs",
    ),
    Recipe("gan-mnist", "MLP GAN on the MNIST subset", train_mnist_gan),
)
