"""What every generative model of the course offers, whatever it is trained with.

A generator maps a latent code ``z`` of size ``latent_dim`` to an image. The course's VAEs, GMMNs
and GANs all inherit :class:`Generator`, so the metrics, the latent sliders and the command line can
treat them alike:

* ``decode(z)``: images in [0, 1], shape ``(n, 1, 28, 28)``;
* ``sample(n, generator=None)``: ``decode`` of ``n`` codes drawn from the prior, here N(0, I).
"""

from __future__ import annotations

import torch
from torch import nn

from ganlib.checks import check_count


class Generator(nn.Module):
    latent_dim: int

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` codes from the prior N(0, I), drawn on the CPU (reproducible everywhere) and moved here."""
        check_count(n)
        device = next(self.parameters()).device
        return torch.randn(n, self.latent_dim, generator=generator).to(device)

    @torch.no_grad()
    def decode_in_eval_mode(self, *inputs: torch.Tensor) -> torch.Tensor:
        """``decode(*inputs)`` in eval mode, then back to the mode it was in: batch normalisation uses its
        running statistics, so the images neither depend on the rest of the batch nor disturb those statistics."""
        was_training = self.training
        self.eval()
        images = self.decode(*inputs)
        self.train(was_training)
        return images

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` images in [0, 1] from codes drawn from the prior."""
        return self.decode(self.sample_latent(n, generator))
