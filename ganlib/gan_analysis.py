r"""Looking inside a GAN: the generator's density in 1-D, what the discriminator believes, and how hard
each generator loss pushes.

* :func:`kde_1d`: a Gaussian kernel density estimate, :math:`\hat p(x) = \frac1n \sum_i \mathcal N(x;\ x_i, h^2)`,
  with Silverman's bandwidth :math:`h = 1.06\, \hat\sigma\, n^{-1/5}` by default. A generator has no density
  formula, but in 1-D its samples give a good picture of :math:`p_g`.
* :func:`snapshot_1d`: that density and :math:`D(x)` on a grid, as one tensor, for the training loop's
  ``snapshot`` hook.
* :func:`generator_loss_gradients`: :math:`\partial \ell_G / \partial l` with respect to the discriminator's
  logit :math:`l` on a fake sample, by autograd. With :math:`D = \sigma(l)` the closed forms are
  :math:`\partial_l \log(1 - \sigma(l)) = -D` (minimax) and :math:`\partial_l [-\log \sigma(l)] = -(1 - D)`
  (non-saturating).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganlib.losses import generator_loss_minimax, generator_loss_nonsaturating
from ganlib.models.generator import Generator


def kde_1d(samples: torch.Tensor, points: torch.Tensor, bandwidth: float | None = None) -> torch.Tensor:
    """Gaussian kernel density estimate of 1-D ``samples`` at ``points`` (both flattened)."""
    samples, points = samples.reshape(-1).double(), points.reshape(-1).double()
    if samples.numel() < 2:
        raise ValueError("a density estimate needs at least two samples.")
    h = bandwidth if bandwidth is not None else 1.06 * samples.std().item() * samples.numel() ** -0.2
    if h <= 0:
        raise ValueError("the samples are all equal (or the bandwidth is not positive): no density to estimate.")
    z = (points[:, None] - samples[None, :]) / h
    return (torch.exp(-0.5 * z.pow(2)).mean(dim=1) / (h * math.sqrt(2 * math.pi))).float()


@torch.no_grad()
def snapshot_1d(generator: Generator, discriminator: nn.Module, grid: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """``(2, len(grid))``: the density of ``generator(z)`` (a KDE) and ``D(x) = σ(logit)`` on ``grid``."""
    device = next(generator.parameters()).device
    samples = generator.decode(z.to(device)).cpu()
    d = torch.sigmoid(discriminator(grid.reshape(-1, 1).to(device))).cpu()
    return torch.stack([kde_1d(samples, grid), d.float()])


def generator_loss_gradients(d_fake: torch.Tensor) -> dict[str, torch.Tensor]:
    """The gradient of each generator loss with respect to the logit, where the discriminator says ``d_fake``.

    ``d_fake`` holds values of :math:`D(G(z))` in (0, 1); the logit is :math:`l = \\log(D / (1 - D))`. Each loss
    is evaluated on one logit at a time, so the result is the per-sample derivative.
    """
    d_fake = torch.as_tensor(d_fake, dtype=torch.float64)
    if ((d_fake <= 0) | (d_fake >= 1)).any():
        raise ValueError("D(G(z)) must lie strictly between 0 and 1.")
    result = {}
    for name, loss in (("minimax", generator_loss_minimax), ("nonsaturating", generator_loss_nonsaturating)):
        logits = torch.logit(d_fake).requires_grad_(True)
        (grad,) = torch.autograd.grad(loss(logits) * logits.numel(), logits)  # undo the batch mean
        result[name] = grad
    return result
