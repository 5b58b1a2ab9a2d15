r"""The discriminator of a semi-supervised GAN: a K-class classifier whose logits also say "real or fake".

After Salimans et al. (2016, "Improved techniques for training GANs"): a fully connected network with
weight normalisation, :math:`w = g\, v / \lVert v \rVert`, on every layer, and Gaussian noise added to
its input and to every hidden layer while training. The noise is what keeps a network that sees only a
hundred labels from memorising them; at evaluation it is switched off.

Its ``K`` outputs are the logits :math:`l_1, \dots, l_K` of the classes; the logit of the class
"generated" is fixed at 0, so that :math:`D(x) = Z(x) / (Z(x) + 1)` with :math:`Z = \sum_k e^{l_k}`
(see :func:`semi_supervised_discriminator_loss`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from ganlib.checks import check_images


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


def _check_class_logits(logits: torch.Tensor, name: str, classes: int | None = None) -> int:
    """Raise unless ``logits`` is ``(n, K)`` with ``n ≥ 1`` (and ``K = classes`` when given); return K."""
    if logits.ndim != 2 or logits.shape[0] == 0:
        raise ValueError(f"{name} must be a (batch, classes) tensor of class logits with at least one row, got shape {tuple(logits.shape)}.")
    if classes is not None and logits.shape[1] != classes:
        raise ValueError(f"{name} has {logits.shape[1]} class logits per row but the labelled logits have {classes}; use the same discriminator for all three.")
    return logits.shape[1]


def probability_real(logits: torch.Tensor) -> torch.Tensor:
    r""":math:`D(x) = Z(x) / (Z(x) + 1)` with :math:`Z = \sum_k e^{l_k}`, from a ``(n, K)`` batch of class logits.

    It is :math:`\sigma(\log Z) = \sigma(\operatorname{logsumexp}_k l_k)`, which never overflows.
    """
    _check_class_logits(logits, "logits")
    return torch.sigmoid(torch.logsumexp(logits, dim=1))


def semi_supervised_discriminator_loss(
    labelled_logits: torch.Tensor, labels: torch.Tensor, unlabelled_logits: torch.Tensor, fake_logits: torch.Tensor
) -> dict[str, torch.Tensor]:
    r"""The loss of a GAN discriminator that is also a K-class classifier (Salimans et al., 2016).

    The discriminator outputs :math:`K + 1` logits: one per class, and one for "generated". Softmax is
    unchanged when the same number is added to every logit, so the fake class's logit can be fixed at 0
    without losing anything: the network outputs the :math:`K` logits :math:`l_1, \dots, l_K` only, and

    .. math:: p(y = k \mid x) = \frac{e^{l_k}}{Z(x) + 1}, \qquad
              D(x) = p(y \le K \mid x) = \frac{Z(x)}{Z(x) + 1} = \sigma(\log Z(x)), \qquad Z = \sum_{k=1}^K e^{l_k}.

    The loss, averaged over each batch, is the sum of

    * ``supervised``: cross-entropy of the labelled images given that they are real,
      :math:`-\log p(y \mid x, y \le K) = -l_y + \log Z` (an ordinary softmax over the K logits);
    * ``unsupervised``: the GAN's binary cross-entropy, :math:`-\log D(x) - \log(1 - D(G(z)))`, which is
      :math:`\operatorname{softplus}(-\log Z(x)) + \operatorname{softplus}(\log Z(G(z)))` with
      :math:`\log Z` = logsumexp of the logits: stable for any logits.

    Args:
        labelled_logits: ``(n, K)`` logits of the labelled real images; ``labels``: their ``(n,)`` classes in ``0..K-1``.
        unlabelled_logits: ``(m, K)`` logits of unlabelled real images; ``fake_logits``: ``(f, K)`` of generated ones.
    """
    classes = _check_class_logits(labelled_logits, "labelled_logits")
    _check_class_logits(unlabelled_logits, "unlabelled_logits", classes)
    _check_class_logits(fake_logits, "fake_logits", classes)
    if labels.shape != labelled_logits.shape[:1] or labels.dtype.is_floating_point:
        raise ValueError(f"labels must be {labelled_logits.shape[0]} integer classes, one per labelled row, got {labels.dtype} of shape {tuple(labels.shape)}.")
    if labels.min() < 0 or labels.max() >= classes:
        raise ValueError(f"labels must lie in 0..{classes - 1} (one of the {classes} real classes), got values from {labels.min().item()} to {labels.max().item()}.")
    supervised = F.cross_entropy(labelled_logits, labels)
    real_log_z, fake_log_z = torch.logsumexp(unlabelled_logits, dim=1), torch.logsumexp(fake_logits, dim=1)
    unsupervised = F.softplus(-real_log_z).mean() + F.softplus(fake_log_z).mean()
    return {"loss": supervised + unsupervised, "supervised": supervised, "unsupervised": unsupervised}


def feature_matching_loss(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    r"""Feature matching (Salimans et al., 2016): the generator matches the mean of an intermediate layer
    :math:`f` of the discriminator on real and generated images,

    .. math:: \frac1d \left\lVert \mathbb E_x f(x) - \mathbb E_z f(G(z)) \right\rVert_2^2

    (the mean over the ``d`` features of the squared difference of the batch means). Instead of fooling
    the current discriminator, G produces images whose statistics D finds typical of data, a target
    that moves less and suits the semi-supervised discriminator.
    """
    if real_features.ndim != 2 or real_features.shape[1:] != fake_features.shape[1:] or fake_features.ndim != 2:
        raise ValueError(f"real and fake features must be (batch, d) with the same d, got {tuple(real_features.shape)} and {tuple(fake_features.shape)}.")
    return (real_features.mean(dim=0) - fake_features.mean(dim=0)).pow(2).mean()
