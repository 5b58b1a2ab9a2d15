r"""Random Fourier features: a fixed map that lets a small network learn a function that changes quickly.

A ReLU network on raw coordinates learns smooth functions first and fine detail last, if ever (its
*spectral bias*). Mapping each point :math:`x \in \mathbb R^d` first to

.. math:: \gamma(x) = \big[\sin(2\pi B x),\; \cos(2\pi B x)\big], \qquad B_{jk} \sim \mathcal N(0, s^2) \text{ fixed},

hands the network sinusoids of many frequencies, so that detail on a scale of about :math:`1/s` becomes as easy
to fit as a trend (Tancik et al., *Fourier Features Let Networks Learn High Frequency Functions in Low
Dimensional Domains*, 2020). The density ratio of the 25-mode grid changes over 0.05 units, the modes'
standard deviation: :mod:`ganlib.recipes.density_ratio` puts this map in front of its classifier.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class FourierFeatures(nn.Module):
    r""":math:`x \mapsto [\sin(2\pi B x), \cos(2\pi B x)]`, ``2 * frequencies`` numbers per point.

    ``B`` (``frequencies`` × ``data_dim``) is drawn from :math:`\mathcal N(0, \text{scale}^2)` once, from the
    global random numbers (wrap the construction in :func:`ganlib.device.own_rng` to seed it), and kept as a
    buffer: saved with the network, never trained."""

    def __init__(self, data_dim: int, frequencies: int = 128, scale: float = 2.0) -> None:
        super().__init__()
        self.register_buffer("frequencies", torch.randn(frequencies, data_dim) * scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        phase = 2 * math.pi * x.flatten(1) @ self.frequencies.T
        return torch.cat([torch.sin(phase), torch.cos(phase)], dim=1)
