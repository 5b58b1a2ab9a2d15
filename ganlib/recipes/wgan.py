r"""Recipes for the Wasserstein GANs of notebook 08.

* ``wgan-gp-grid``: an MLP WGAN-GP (``n_critic = GRID_D_STEPS`` critic updates per generator update) on the
  25-mode grid (``ganlib.data.toy.grid()``), with learning rates decaying linearly to 0 as in ``gan-grid``. The
  penalty weight is λ = 1 rather than the usual 10: on these tight modes (σ = 0.05) the softer constraint lets
  the critic be steep enough near the data to pull the samples in. The checkpoint holds the generator and
  ``ganlib.metrics.modes.mode_coverage`` of 2,500 samples.
* ``wgan-mnist``: three MLP GANs on the 4,500 training images of the MNIST subset, scaled to [-1, 1]:
  WGAN-GP, the original WGAN with weight clipping (RMSprop), and a non-saturating GAN. During each run
  :func:`track_training` records the critic's divergence estimate and the Fréchet
  distance of 500 samples to the 500 validation images. The checkpoint holds the WGAN-GP generator, and
  as extras the three runs' ``curves`` and 40 final ``samples`` of each (images in [0, 1]).

**Does the critic's loss say how good the samples are? Train a GAN and measure both along the way.** (:func:`track_training`)

Every ``every`` steps, on the same held-out real images :math:`x_{1..n}` and the same noise :math:`z_{1..n}`:

* the **divergence estimate** of the critic or discriminator. A WGAN critic :math:`f` estimates
  :math:`W_1(p_\text{data}, p_g) \approx \frac1n \sum_i f(x_i) - \frac1n \sum_i f(G(z_i))`. A GAN
  discriminator estimates Jensen–Shannon: its best loss is :math:`\ln 4 - 2\,\mathrm{JS}`, so its binary
  cross-entropy :math:`\ell_D` gives :math:`\widehat{\mathrm{JS}} = \ln 2 - \ell_D / 2`;
* the **Fréchet distance** (:func:`ganlib.metrics.frechet.frechet_distance`) between the evaluation classifier's
  features of the :math:`n` samples and of the :math:`n` real images: lower is better.

If the estimate falls as the Fréchet distance falls, the critic's loss is a training curve one can read.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch

from ganlib.checkpoints import save_checkpoint
from ganlib.data.batches import BatchIterator
from ganlib.data.mnist import load_mnist
from ganlib.data.toy import grid
from ganlib.device import seed_everything
from ganlib.gan import GAN, discriminator_loss
from ganlib.metrics.features import classifier_features
from ganlib.metrics.frechet import frechet_distance
from ganlib.models.mlp_gan import MLPDiscriminator, MLPGenerator
from ganlib.recipes.recipe import Recipe
from ganlib.train import train

GRID_GENERATOR: dict[str, Any] = {"latent_dim": 2, "data_dim": 2, "hidden": 256, "depth": 3}
GRID_DISCRIMINATOR: dict[str, Any] = {"data_dim": 2, "hidden": 256, "depth": 3}
GRID_OPTIMISER: dict[str, Any] = {"lr": 1e-3, "betas": (0.5, 0.9)}
GRID_BATCH = 256
GRID_D_STEPS = 5
GRID_GP_WEIGHT = 1.0
GRID_STEPS = 40_000

MNIST_GENERATOR: dict[str, Any] = {"latent_dim": 64, "data_dim": 784, "hidden": 256, "depth": 3, "batchnorm": True}
MNIST_DISCRIMINATOR: dict[str, Any] = {"data_dim": 784, "hidden": 256, "depth": 3}
MNIST_RUNS: dict[str, dict[str, Any]] = {
    "WGAN-GP": {"loss": "wgan-gp", "d_steps": 5, "lr": 1e-4, "betas": (0.5, 0.9)},
    "WGAN, weight clipping": {"loss": "wgan-clip", "d_steps": 5, "lr": 5e-5, "optimizer": "rmsprop"},
    "non-saturating GAN": {"loss": "nonsaturating", "d_steps": 1, "lr": 2e-4},
}
MNIST_STEPS = 12_000
MNIST_EVERY = 500


def train_wgan_gp_grid(output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train on 100,000 points of the 25-grid for ``GRID_STEPS`` critic steps; save the generator with its coverage."""
    from ganlib.metrics.modes import mode_coverage

    generator = seed_everything(0)
    mixture = grid()
    data = BatchIterator(mixture.sample(100_000, generator).to(device), batch_size=GRID_BATCH, generator=generator)
    gan = GAN.build(MLPGenerator(**GRID_GENERATOR).to(device), MLPDiscriminator(**GRID_DISCRIMINATOR).to(device),
                    **GRID_OPTIMISER, loss="wgan-gp", d_steps=GRID_D_STEPS, gp_weight=GRID_GP_WEIGHT, decay_over=GRID_STEPS)
    train(gan.step, data, gan.models, steps=GRID_STEPS, minutes=minutes, log_every=100, description="wgan-gp-grid")
    samples = gan.generator.sample(2500, torch.Generator().manual_seed(0)).cpu()
    return save_checkpoint(
        output,
        gan.generator.cpu(),
        GRID_GENERATOR,
        data=f"25-mode grid, WGAN-GP (n_critic={GRID_D_STEPS}, λ={GRID_GP_WEIGHT:g}), learning rate decaying to 0, {GRID_STEPS:,} steps",
        command="python -m ganlib train wgan-gp-grid",
        metrics=mode_coverage(samples, mixture),
    )


def train_wgan_mnist(output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train the three ``MNIST_RUNS`` in turn (``minutes``, when given, is shared between them); save the
    WGAN-GP generator with every run's curves and samples."""
    images, _ = load_mnist("train", source="subset", scale="symmetric", device=device)
    held_out, _ = load_mnist("val", source="subset", scale="symmetric", device=device)
    curves, samples, generators = {}, {}, {}
    for name, run in MNIST_RUNS.items():
        seed_everything(0)
        gan = GAN.build(MLPGenerator(**MNIST_GENERATOR).to(device), MLPDiscriminator(**MNIST_DISCRIMINATOR).to(device), **run)
        curves[name] = track_training(gan, images, held_out, MNIST_STEPS, MNIST_EVERY,
                                      minutes=None if minutes is None else minutes / len(MNIST_RUNS))
        gan.generator.eval()
        samples[name] = gan.generator.sample(40, torch.Generator().manual_seed(0)).cpu()
        generators[name] = gan.generator.cpu()
    final = {f"frechet {name}": run_curves["frechet"][-1] for name, run_curves in curves.items()}
    return save_checkpoint(
        output,
        generators["WGAN-GP"],
        MNIST_GENERATOR,
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


WASSERSTEIN_LOSSES = ("wgan-gp", "wgan-clip")


CURVES = ("step", "estimate", "frechet")


@torch.no_grad()
def divergence_estimate(gan: GAN, real: torch.Tensor, z: torch.Tensor) -> float:
    """The critic's :math:`W_1` estimate (WGAN losses) or the discriminator's JS estimate (the others), on
    real images in [-1, 1] and the samples of noise ``z``."""
    real_out, fake_out = gan.discriminator(real), gan.discriminator(gan.generator(z))
    if gan.loss in WASSERSTEIN_LOSSES:
        return (real_out.mean() - fake_out.mean()).item()
    return math.log(2) - discriminator_loss(real_out, fake_out).item() / 2


def track_training(
    gan: GAN,
    images: torch.Tensor,
    held_out: torch.Tensor,
    steps: int,
    every: int,
    batch_size: int = 64,
    seed: int = 0,
    minutes: float | None = None,
) -> dict[str, list[float]]:
    """Train ``gan`` (with its own loss and options) on ``images`` (in [-1, 1]) for ``steps`` steps and return the curves
    ``{"step": [...], "estimate": [...], "frechet": [...]}``, measured on ``held_out`` real images (in
    [-1, 1]; at least 129 of them for a Fréchet distance of the 128 features) every ``every`` steps and at
    the end (after ``minutes`` of wall time, when given, if that comes first).

    The generator must produce images (``data_dim = 784``); its samples are judged through ``decode``.
    """
    if held_out.shape[0] <= 128:
        raise ValueError(f"held_out has {held_out.shape[0]} images; the Fréchet distance of 128 features needs at least 129 (use 500).")
    if every < 1 or steps < every:
        raise ValueError(f"every must be between 1 and steps={steps}, got {every}.")
    generator = torch.Generator().manual_seed(seed)
    device = images.device
    z = torch.randn(held_out.shape[0], gan.generator.latent_dim, generator=generator).to(device)
    real_features = classifier_features((held_out + 1) / 2)

    def measure() -> torch.Tensor:
        fake_features = classifier_features(gan.generator.decode(z))
        return torch.tensor([divergence_estimate(gan, held_out, z), frechet_distance(fake_features, real_features)])

    data = BatchIterator(images, batch_size=batch_size, generator=generator)
    history = train(gan.step, data, gan.models, steps=steps, minutes=minutes, log_every=every, snapshot=measure,
                    snapshot_every=every, progress=False)
    values = torch.stack(history["snapshots"])
    return {"step": list(history["snapshot_step"]), "estimate": values[:, 0].tolist(), "frechet": values[:, 1].tolist()}


def rank_correlation(a: list[float], b: list[float]) -> float:
    r"""Spearman's rank correlation :math:`\rho \in [-1, 1]`: the Pearson correlation of the ranks of ``a`` and
    ``b``; 1 when one rises exactly when the other does, whatever the scales (no ties assumed)."""
    if len(a) != len(b) or len(a) < 3:
        raise ValueError(f"give two curves of the same length, at least 3 points each; got {len(a)} and {len(b)}.")
    ranks = [torch.tensor(values, dtype=torch.float64).argsort().argsort().double() for values in (a, b)]
    centred = [r - r.mean() for r in ranks]
    return ((centred[0] * centred[1]).sum() / (centred[0].norm() * centred[1].norm())).item()


def tracking_correlation(curves: dict[str, list[float]], after: int = 0) -> float:
    """:func:`rank_correlation` of a run's estimate and Fréchet distance (curves of :func:`track_training`),
    over the measurements taken at step ``after`` or later (leaving out the critic's warm-up)."""
    kept = [i for i, step in enumerate(curves["step"]) if step >= after]
    return rank_correlation([curves["estimate"][i] for i in kept], [curves["frechet"][i] for i in kept])
