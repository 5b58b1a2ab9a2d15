r"""Does the critic's loss say how good the samples are? Train a GAN and measure both along the way.

Every ``every`` steps, on the same held-out real images :math:`x_{1..n}` and the same noise :math:`z_{1..n}`:

* the **divergence estimate** of the critic or discriminator. A WGAN critic :math:`f` estimates
  :math:`W_1(p_\text{data}, p_g) \approx \frac1n \sum_i f(x_i) - \frac1n \sum_i f(G(z_i))`. A GAN
  discriminator estimates Jensen–Shannon: its best loss is :math:`\ln 4 - 2\,\mathrm{JS}`, so its binary
  cross-entropy :math:`\ell_D` gives :math:`\widehat{\mathrm{JS}} = \ln 2 - \ell_D / 2`;
* the **Fréchet distance** (``ganlib.metrics.frechet_distance``) between the evaluation classifier's
  features of the :math:`n` samples and of the :math:`n` real images: lower is better.

If the estimate falls as the Fréchet distance falls, the critic's loss is a training curve one can read.
"""

from __future__ import annotations

import math

import torch

from ganlib.data import BatchIterator
from ganlib.gan_setup import GAN
from ganlib.losses import discriminator_loss
from ganlib.metrics import classifier_features, frechet_distance
from ganlib.train import train

WASSERSTEIN_LOSSES = ("wgan-gp", "wgan-clip")
CURVES = ("step", "estimate", "frechet")


@torch.no_grad()
def divergence_estimate(gan: GAN, loss: str, real: torch.Tensor, z: torch.Tensor) -> float:
    """The critic's :math:`W_1` estimate (WGAN losses) or the discriminator's JS estimate (the others), on
    real images in [-1, 1] and the samples of noise ``z``."""
    real_out, fake_out = gan.discriminator(real), gan.discriminator(gan.generator(z))
    if loss in WASSERSTEIN_LOSSES:
        return (real_out.mean() - fake_out.mean()).item()
    return math.log(2) - discriminator_loss(real_out, fake_out).item() / 2


def track_training(
    gan: GAN,
    loss: str,
    images: torch.Tensor,
    held_out: torch.Tensor,
    steps: int,
    every: int,
    d_steps: int = 1,
    batch_size: int = 64,
    clip: float = 0.01,
    seed: int = 0,
    minutes: float | None = None,
) -> dict[str, list[float]]:
    """Train ``gan`` with ``loss`` on ``images`` (in [-1, 1]) for ``steps`` steps and return the curves
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
        return torch.tensor([divergence_estimate(gan, loss, held_out, z), frechet_distance(fake_features, real_features)])

    data = BatchIterator(images, batch_size=batch_size, generator=generator)
    step = gan.step(loss=loss, d_steps=d_steps, clip=clip)
    history = train(step, data, gan.models, gan.optimizers, steps=steps, minutes=minutes, log_every=every, snapshot=measure,
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
