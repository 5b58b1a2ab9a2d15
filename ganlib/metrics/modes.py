r"""Mode coverage on the 2-D Gaussian mixtures of :mod:`ganlib.data` (``ring()``, ``grid()``).

The measure of the Unrolled GAN, VEEGAN and PacGAN papers, so numbers compare with their tables:

* a sample :math:`x` is **high quality** when it lies within ``n_std`` standard deviations of its nearest
  mode :math:`k^* = \arg\min_k \lVert x - \mu_k \rVert`: :math:`\lVert x - \mu_{k^*} \rVert \le n_\sigma \sigma_{k^*}`;
* a mode is **captured** when it is the nearest mode of at least one high-quality sample.

A generator that has collapsed onto a few modes captures few of them, however sharp its samples.
"""

from __future__ import annotations

import torch

from ganlib.data.toy import GaussianMixture, toy_distribution

MIXTURES = ("ring", "grid")


def _mixture(mixture: GaussianMixture | str) -> GaussianMixture:
    if isinstance(mixture, str):
        if mixture not in MIXTURES:
            raise ValueError(f"unknown mixture {mixture!r}; use {' or '.join(MIXTURES)}, or pass a GaussianMixture.")
        mixture = toy_distribution(mixture)
    if not isinstance(mixture, GaussianMixture) or mixture.dim != 2:
        raise TypeError(
            f"mode_coverage needs a 2-D GaussianMixture such as ganlib.data.toy.ring() or grid() (it must have modes), "
            f"got {mixture!r}."
        )
    return mixture


def mode_coverage(samples: torch.Tensor, mixture: GaussianMixture | str, n_std: float = 3.0) -> dict[str, float]:
    """``{"modes": captured, "n_modes": K, "high_quality": share}`` of 2-D ``samples`` ``(n, 2)`` on ``mixture``.

    ``mixture`` is a 2-D :class:`ganlib.data.toy.GaussianMixture` or the name ``"ring"`` / ``"grid"`` (defaults).
    """
    mixture = _mixture(mixture)
    samples = torch.as_tensor(samples).float()
    if samples.ndim != 2 or samples.shape[1] != 2 or samples.shape[0] == 0:
        raise ValueError(f"expected 2-D points of shape (n, 2) with n >= 1, got {tuple(samples.shape)}.")
    means, stds = mixture.means.to(samples.device), mixture.stds.to(samples.device)
    distance, nearest = (samples[:, None, :] - means).norm(dim=2).min(dim=1)  # (n, K) -> (n,)
    high_quality = distance <= n_std * stds[nearest]
    return {
        "modes": nearest[high_quality].unique().numel(),
        "n_modes": mixture.n_modes,
        "high_quality": high_quality.double().mean().item(),
    }
