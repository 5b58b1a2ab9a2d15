r"""The discriminator of a semi-supervised GAN: a K-class classifier whose logits also say "real or fake".

After Salimans et al. (2016, "Improved techniques for training GANs"): a fully connected network with
weight normalisation, :math:`w = g\, v / \lVert v \rVert`, on every layer, and Gaussian noise added to
its input and to every hidden layer while training. The noise is what keeps a network that sees only a
hundred labels from memorising them; at evaluation it is switched off.

Its ``K`` outputs are the logits :math:`l_1, \dots, l_K` of the classes; the logit of the class
"generated" is fixed at 0, so that :math:`D(x) = Z(x) / (Z(x) + 1)` with :math:`Z = \sum_k e^{l_k}`
(see ``ganlib.losses.semi_supervised_discriminator_loss``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from ganlib.validation import check_images


class GaussianNoise(nn.Module):
    """Adds :math:`\\mathcal N(0, \\sigma^2)` noise to its input in training mode; the identity in eval mode."""

    def __init__(self, std: float) -> None:
        super().__init__()
        if std < 0:
            raise ValueError(f"the noise's standard deviation must be non-negative, got {std}.")
        self.std = std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.std * torch.randn_like(x) if self.training and self.std > 0 else x


class SemiSupervisedDiscriminator(nn.Module):
    """28×28 images in [0, 1] → ``hidden`` ReLU layers (weight-normalised, noisy in training) → ``classes`` logits.

    ``forward(x)`` gives the class logits, shape ``(n, classes)``; ``logits_and_features(x)`` also returns
    the last hidden layer, the features that the generator's feature-matching loss compares.

    Args:
        hidden: widths of the hidden layers.
        classes: K, the number of real classes.
        input_noise, hidden_noise: standard deviations of the Gaussian noise added, in training mode, to
            the input pixels and to each hidden layer's output.
    """

    def __init__(
        self, hidden: Sequence[int] = (500, 250, 250), classes: int = 10, input_noise: float = 0.3, hidden_noise: float = 0.5
    ) -> None:
        super().__init__()
        if not hidden or min(hidden) < 1:
            raise ValueError(f"hidden must list at least one positive layer width, got {list(hidden)}.")
        if classes < 2:
            raise ValueError(f"a classifier needs at least 2 classes, got {classes}.")
        self.classes = classes
        widths = [28 * 28, *hidden]
        layers: list[nn.Module] = [nn.Flatten(), GaussianNoise(input_noise)]
        for i, (n_in, n_out) in enumerate(zip(widths, widths[1:])):
            noise = [GaussianNoise(hidden_noise)] if i < len(hidden) - 1 else []  # the features stay clean
            layers += [weight_norm(nn.Linear(n_in, n_out)), nn.ReLU(), *noise]
        self.trunk = nn.Sequential(*layers)
        self.head = nn.Sequential(GaussianNoise(hidden_noise), weight_norm(nn.Linear(widths[-1], classes)))

    def logits_and_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Class logits ``(n, classes)`` and last-hidden-layer features ``(n, hidden[-1])`` from one pass."""
        features = self.trunk(check_images(x))
        return self.head(features), features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits, shape ``(n, classes)``; :math:`D(x) = \\sigma(\\operatorname{logsumexp}_k l_k)`."""
        return self.logits_and_features(x)[0]
