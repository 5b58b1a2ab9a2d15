"""Recipes for the Wasserstein GANs of notebook 08.

* ``wgan-gp-grid``: an MLP WGAN-GP (``n_critic = GRID_D_STEPS`` critic updates per generator update) on the
  25-mode grid (``ganlib.data.grid()``), with learning rates decaying linearly to 0 as in ``gan-grid``. The
  penalty weight is λ = 1 rather than the usual 10: on these tight modes (σ = 0.05) the softer constraint lets
  the critic be steep enough near the data to pull the samples in. The checkpoint holds the generator and
  ``ganlib.metrics.mode_coverage`` of 2,500 samples.
* ``wgan-mnist``: three MLP GANs on the 4,500 training images of the MNIST subset, scaled to [-1, 1]:
  WGAN-GP, the original WGAN with weight clipping (RMSprop), and a non-saturating GAN. During each run
  ``ganlib.critic_tracking.track_training`` records the critic's divergence estimate and the Fréchet
  distance of 500 samples to the 500 validation images. The checkpoint holds the WGAN-GP generator, and
  as extras the three runs' ``curves`` and 40 final ``samples`` of each (images in [0, 1]).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ganlib.checkpoints import save_checkpoint
from ganlib.data import BatchIterator, grid, load_mnist
from ganlib.device import seed_everything
from ganlib.gan_setup import mlp_gan
from ganlib.recipes.gan import generator_config
from ganlib.recipes.recipe import Recipe
from ganlib.train import train

GRID_CONFIG: dict[str, Any] = {"latent_dim": 2, "hidden": 256, "depth": 3, "lr": 1e-3, "betas": (0.5, 0.9)}
GRID_BATCH = 256
GRID_D_STEPS = 5
GRID_GP_WEIGHT = 1.0
GRID_STEPS = 40_000

MNIST_GAN: dict[str, Any] = {"latent_dim": 64, "hidden": 256, "depth": 3, "batchnorm": True}
MNIST_RUNS: dict[str, dict[str, Any]] = {
    "WGAN-GP": {"loss": "wgan-gp", "d_steps": 5, "gan": {"lr": 1e-4, "betas": (0.5, 0.9)}},
    "WGAN, weight clipping": {"loss": "wgan-clip", "d_steps": 5, "gan": {"lr": 5e-5, "optimizer": "rmsprop"}},
    "non-saturating GAN": {"loss": "nonsaturating", "d_steps": 1, "gan": {"lr": 2e-4}},
}
MNIST_STEPS = 12_000
MNIST_EVERY = 500


def train_wgan_gp_grid(output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train on 100,000 points of the 25-grid for ``GRID_STEPS`` critic steps; save the generator with its coverage."""
    from ganlib.metrics import mode_coverage

    generator = seed_everything(0)
    mixture = grid()
    data = BatchIterator(mixture.sample(100_000, generator).to(device), batch_size=GRID_BATCH, generator=generator)
    gan = mlp_gan(data_dim=2, device=device, **GRID_CONFIG)
    step = gan.step(loss="wgan-gp", d_steps=GRID_D_STEPS, decay_over=GRID_STEPS, gp_weight=GRID_GP_WEIGHT)
    train(step, data, gan.models, gan.optimizers, steps=GRID_STEPS, minutes=minutes, log_every=100, description="wgan-gp-grid")
    samples = gan.generator.sample(2500, torch.Generator().manual_seed(0)).cpu()
    return save_checkpoint(
        output,
        gan.generator.cpu(),
        generator_config(2, GRID_CONFIG),
        data=f"25-mode grid, WGAN-GP (n_critic={GRID_D_STEPS}, λ={GRID_GP_WEIGHT:g}), learning rate decaying to 0, {GRID_STEPS:,} steps",
        command="python -m ganlib train wgan-gp-grid",
        metrics=mode_coverage(samples, mixture),
    )


def train_wgan_mnist(output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train the three ``MNIST_RUNS`` in turn (``minutes``, when given, is shared between them); save the
    WGAN-GP generator with every run's curves and samples."""
    from ganlib.critic_tracking import track_training

    images, _ = load_mnist("train", source="subset", scale="symmetric", device=device)
    held_out, _ = load_mnist("val", source="subset", scale="symmetric", device=device)
    curves, samples, generators = {}, {}, {}
    for name, run in MNIST_RUNS.items():
        seed_everything(0)
        gan = mlp_gan(data_dim=784, device=device, **MNIST_GAN, **run["gan"])
        curves[name] = track_training(
            gan, run["loss"], images, held_out, MNIST_STEPS, MNIST_EVERY, d_steps=run["d_steps"],
            minutes=None if minutes is None else minutes / len(MNIST_RUNS),
        )
        gan.generator.eval()
        samples[name] = gan.generator.sample(40, torch.Generator().manual_seed(0)).cpu()
        generators[name] = gan.generator.cpu()
    final = {f"frechet {name}": run_curves["frechet"][-1] for name, run_curves in curves.items()}
    return save_checkpoint(
        output,
        generators["WGAN-GP"],
        generator_config(784, MNIST_GAN),
        data=f"MNIST subset, train split (4,500 images); {', '.join(MNIST_RUNS)}, {MNIST_STEPS:,} steps each",
        command="python -m ganlib train wgan-mnist",
        metrics=final,
        curves=curves,
        samples=samples,
    )


RECIPES = (
    Recipe("wgan-gp-grid", "MLP WGAN-GP on the 25-mode grid, learning rate decaying to 0", train_wgan_gp_grid),
    Recipe("wgan-mnist", "WGAN-GP, weight-clipped WGAN and non-saturating GAN on MNIST, with critic-vs-quality curves", train_wgan_mnist),
)
