r"""A class-conditional DCGAN (Mirza & Osindero, 2014, on the DCGAN of :mod:`ganlib.models.dcgan`).

Both players are told the class :math:`y` of each image, and play

.. math:: \min_G \max_D \; \mathbb E_{(x, y)}\big[\log D(x \mid y)\big]
          + \mathbb E_{z, y}\big[\log\big(1 - D(G(z \mid y) \mid y)\big)\big].

* The generator is told the label by *one-hot channels* (:func:`one_hot_channels`): ten constant
  ``1×1`` maps, 1 on the channel of the class and 0 elsewhere, concatenated to its ``latent_dim×1×1``
  code, so its first (projecting) layer learns one 4×4 "template" per class:
  ``z ⊕ onehot(y) → 8w×4×4 → 4w×7×7 → 2w×14×14 → 1×28×28``.
* The discriminator reads the image alone, ``1×28×28 → w×14×14 → 2w×7×7 → 4w×4×4``, and brings in the
  label at the end, by *projection* (Miyato & Koyama, 2018): its logit is
  :math:`\psi(h) + e_y^\top h` for features :math:`h` and a learnt class embedding :math:`e_y`. A second
  head, class logits :math:`C(x)`, serves an auxiliary classification loss (AC-GAN, Odena et al., 2017)
  that the training step (:meth:`ganlib.gan.ConditionalGAN.step`) may add to make every digit unmistakable.
  (The classic alternative feeds one-hot ``28×28`` maps next to the image; the class head could then read
  the label instead of the digit.)

Otherwise the DCGAN guidelines hold: strided (transposed) convolutions, batch normalisation, ReLU/tanh in
G, LeakyReLU(0.2) in D, N(0, 0.02) weights.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.checks import check_count, check_images, check_labels, check_latent
from ganlib.models.dcgan import dcgan_init
from ganlib.models.generator import Generator


def one_hot_channels(labels: torch.Tensor, n_classes: int, size: int) -> torch.Tensor:
    r"""``(n,)`` labels → ``(n, n_classes, size, size)`` maps: channel :math:`k` of image :math:`i` is
    :math:`[y_i = k]` everywhere."""
    return F.one_hot(labels, n_classes).float()[:, :, None, None].expand(-1, -1, size, size)


def balanced_labels(n: int, n_classes: int = 10) -> torch.Tensor:
    """``0, 1, …, n_classes - 1, 0, 1, …``: ``n // n_classes`` of every class, the remainder spread over the first ones."""
    check_count(n)
    return torch.arange(n) % n_classes


class ConditionalDCGANGenerator(Generator):
    """``z ⊕ onehot(y)`` → ``8w×4×4`` → ``4w×7×7`` → ``2w×14×14`` → ``1×28×28``: a DCGAN generator told the class."""

    def __init__(self, latent_dim: int = 64, width: int = 32, n_classes: int = 10) -> None:
        super().__init__()
        self.latent_dim, self.n_classes = latent_dim, n_classes
        w = width
        self.net = nn.Sequential(
            nn.ConvTranspose2d(latent_dim + n_classes, 8 * w, 4, 1, 0, bias=False),  # 1 -> 4
            nn.BatchNorm2d(8 * w),
            nn.ReLU(),
            nn.ConvTranspose2d(8 * w, 4 * w, 3, 2, 1, bias=False),  # 4 -> 7
            nn.BatchNorm2d(4 * w),
            nn.ReLU(),
            nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False),  # 7 -> 14
            nn.BatchNorm2d(2 * w),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * w, 1, 4, 2, 1),  # 14 -> 28
            nn.Tanh(),
        )
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1], shape ``(n, 1, 28, 28)``, of the classes ``labels`` (shape ``(n,)``)."""
        z = check_latent(z, self.latent_dim)
        labels = check_labels(labels, z.shape[0], self.n_classes).to(z.device)
        code = torch.cat([z[:, :, None, None], one_hot_channels(labels, self.n_classes, 1).to(z.dtype)], dim=1)
        return self.net(code)

    def decode(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1] of the classes ``labels``."""
        return (self(z, labels) + 1) / 2

    def sample_labels(self, n: int, digit: int | None = None) -> torch.Tensor:
        """``n`` labels: all ``digit``, or class-balanced (:func:`balanced_labels`) when ``digit`` is None."""
        if digit is None:
            return balanced_labels(n, self.n_classes)
        if isinstance(digit, bool) or not isinstance(digit, int) or not 0 <= digit < self.n_classes:
            raise ValueError(f"digit must be an integer in 0..{self.n_classes - 1}, got {digit!r}.")
        check_count(n)
        return torch.full((n,), digit)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, digit: int | None = None) -> torch.Tensor:
        """``n`` images in [0, 1]: of ``digit`` only, or ``n // 10`` of every digit (``0, 1, …, 9, 0, …``)."""
        labels = self.sample_labels(n, digit)
        z = self.sample_latent(n, generator)
        return self.decode(z, labels.to(z.device))


class ConditionalDCGANDiscriminator(nn.Module):
    r"""``1×28×28`` → ``w×14×14`` → ``2w×7×7`` → ``4w×4×4`` features :math:`h(x)`, then two heads.

    * :math:`D(x \mid y)` by *projection* (Miyato & Koyama, 2018): the logit
      :math:`\psi(h) + e_y^\top h`, an unconditional score plus the match between the features and a
      learnt embedding :math:`e_y` of the class;
    * class logits :math:`C(x) = W h + c` of the image alone (:meth:`scores`), for an auxiliary classifier loss.
    """

    def __init__(self, width: int = 32, n_classes: int = 10) -> None:
        super().__init__()
        self.n_classes = n_classes
        w = width
        self.body = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1),  # 28 -> 14, no batch norm on the input layer
            nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False),  # 14 -> 7
            nn.BatchNorm2d(2 * w),
            nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1, bias=False),  # 7 -> 4
            nn.BatchNorm2d(4 * w),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
        )
        features = 4 * w * 4 * 4
        self.real_fake = nn.Linear(features, 1)  # psi
        self.embedding = nn.Embedding(n_classes, features)  # e_y
        self.classes = nn.Linear(features, n_classes)  # C
        self.apply(dcgan_init)
        for layer in (self.real_fake, self.embedding, self.classes):
            nn.init.normal_(layer.weight, 0.0, 0.02)
        nn.init.zeros_(self.real_fake.bias)
        nn.init.zeros_(self.classes.bias)

    def scores(self, x: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        r"""The logits of :math:`D(x \mid y)`, shape ``(n,)``, and the class logits :math:`C(x)`, ``(n, n_classes)``."""
        x = check_images(x)
        labels = check_labels(labels, x.shape[0], self.n_classes).to(x.device)
        h = self.body(x)
        logits = self.real_fake(h).flatten() + (self.embedding(labels) * h).sum(dim=1)
        return logits, self.classes(h)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """One logit per image, shape ``(n,)``: how real ``x`` looks *as a digit of class* ``labels``."""
        return self.scores(x, labels)[0]
