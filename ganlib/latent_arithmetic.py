r"""Arithmetic on latent codes: styles as directions, measured on the images they produce.

Radford et al. (2016) averaged the codes of a few samples that share a property ("smiling woman") and
found that differences of such **mean codes** behave like vectors:
:math:`\bar z_\text{smiling woman} - \bar z_\text{neutral woman} + \bar z_\text{neutral man}` decodes to a
smiling man. On digits the properties are styles of handwriting, which we can measure on the images:

* :func:`slant`: the shear of the ink, :math:`\operatorname{cov}(x, y) / \operatorname{var}(y)` under the
  ink distribution (0 for an upright digit, > 0 for one leaning right);
* :func:`ink`: the mean pixel intensity, which within one digit grows with the stroke width.

:func:`style_direction` turns such a score into a direction
:math:`d = \bar z_\text{most} - \bar z_\text{least}`, and :func:`along` walks codes along it,
:math:`z + \alpha d`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ganlib.validation import check_images


def _grid(size: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel coordinates ``x`` (column, rightwards) and ``y`` (upwards), each ``(size, size)``."""
    coords = torch.arange(size, dtype=torch.float32, device=device)
    y, x = torch.meshgrid(-coords, coords, indexing="ij")
    return x, y


def slant(images: torch.Tensor) -> torch.Tensor:
    r"""Slant of each image, :math:`s = \sum I (x - \bar x)(y - \bar y) \big/ \sum I (y - \bar y)^2`.

    :math:`I` are the pixel intensities (in [0, 1]) and :math:`(\bar x, \bar y)` the centre of the ink.
    :math:`s` is the horizontal shift of the strokes per pixel of height, so 0.3 leans right by about
    17° (:math:`\arctan 0.3`). This is the shear that "deskewing" MNIST removes.
    """
    ink_map = check_images(images)[:, 0].clamp(min=0)
    x, y = _grid(ink_map.shape[-1], ink_map.device)
    mass = ink_map.sum(dim=(1, 2)).clamp(min=1e-8)
    x_bar = (ink_map * x).sum(dim=(1, 2)) / mass
    y_bar = (ink_map * y).sum(dim=(1, 2)) / mass
    dx, dy = x - x_bar[:, None, None], y - y_bar[:, None, None]
    return (ink_map * dx * dy).sum(dim=(1, 2)) / (ink_map * dy * dy).sum(dim=(1, 2)).clamp(min=1e-8)


def ink(images: torch.Tensor) -> torch.Tensor:
    """Mean pixel intensity of each image (in [0, 1]): the amount of ink, thicker strokes hold more."""
    return check_images(images).flatten(1).mean(dim=1)


def style_direction(
    codes: torch.Tensor, scores: torch.Tensor, labels: torch.Tensor | None = None, share: float = 0.2
) -> torch.Tensor:
    r"""Mean code of the ``share`` of samples with the highest score minus that of the lowest, ``(d,)``.

    With ``labels`` (e.g. the digit the classifier sees), the difference is taken within each class and
    then averaged over classes, :math:`d = \frac1K \sum_k (\bar z_{k,\text{high}} - \bar z_{k,\text{low}})`,
    so the direction changes the style without also changing which digit is drawn (the ink of a 1 is
    always lower than that of an 8, whatever the style).
    """
    if codes.ndim != 2 or scores.shape != (codes.shape[0],):
        raise ValueError(f"expected codes (n, d) and one score per code (n,), got {tuple(codes.shape)} and {tuple(scores.shape)}.")
    if not 0 < share <= 0.5:
        raise ValueError(f"share must be in (0, 0.5] (the top and bottom parts must not overlap), got {share}.")
    groups = [torch.ones_like(scores, dtype=torch.bool)] if labels is None else [labels == k for k in labels.unique()]
    differences = []
    for members in groups:
        group_codes, group_scores = codes[members], scores[members]
        k = int(share * len(group_scores))
        if k == 0:
            continue
        order = group_scores.argsort()
        differences.append(group_codes[order[-k:]].mean(dim=0) - group_codes[order[:k]].mean(dim=0))
    if not differences:
        raise ValueError(f"too few samples: a share of {share} of each group must hold at least one code.")
    return torch.stack(differences).mean(dim=0)


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: float) -> torch.Tensor:
    r"""Spherical interpolation, :math:`\frac{\sin((1-t)\omega)}{\sin\omega} z_0 + \frac{\sin(t\omega)}{\sin\omega} z_1`
    with :math:`\cos\omega = \frac{z_0 \cdot z_1}{\lVert z_0\rVert \lVert z_1\rVert}`, for codes of shape ``(d,)``.

    Codes from :math:`\mathcal N(0, I_d)` have norms close to :math:`\sqrt d`; the straight line between two
    of them passes through shorter, untypical codes (norm about :math:`\sqrt{d/2}` half-way), while this
    path keeps the norm. Falls back to the straight line when the codes are (nearly) parallel.
    """
    cos = torch.dot(z0, z1) / (z0.norm() * z1.norm()).clamp(min=1e-12)
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    if float(torch.sin(omega)) < 1e-6:
        return (1 - t) * z0 + t * z1
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def along(codes: torch.Tensor, direction: torch.Tensor, strengths: Sequence[float]) -> torch.Tensor:
    r"""Codes :math:`z_i + \alpha_j d` for every code ``i`` and strength ``j``, row by row: ``(n · len(strengths), d)``.

    Tiled with ``nrow=len(strengths)``, each row of the grid is one code walked along the direction.
    """
    if codes.ndim != 2 or direction.shape != (codes.shape[1],):
        raise ValueError(f"expected codes (n, d) and a direction (d,), got {tuple(codes.shape)} and {tuple(direction.shape)}.")
    alphas = torch.as_tensor(list(strengths), dtype=codes.dtype, device=codes.device)
    return (codes[:, None, :] + alphas[None, :, None] * direction.to(codes.device)).reshape(-1, codes.shape[1])
