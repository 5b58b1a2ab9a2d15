r"""Figures of a class-conditional generator :math:`G(z \mid y)`.

* :func:`styles_by_digit`: the images of a few codes :math:`z_1, \dots, z_m` under every class: the
  same :math:`z` drawn as each digit;
* :func:`plot_styles_by_digit`: that grid as a figure, rows = codes ("styles"), columns = digits 0–9.

If the generator has separated *what* (the label) from *how* (the code), each row keeps one handwriting:
slant, stroke width, size, across all ten digits.
"""

from __future__ import annotations

import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ganlib.plotting import axes_or_new, tile_images

PADDING = 2


@torch.no_grad()
def styles_by_digit(model: torch.nn.Module, codes: torch.Tensor) -> torch.Tensor:
    """``(m · n_classes, 1, 28, 28)`` images: row ``i`` (``n_classes`` consecutive images) is
    ``model.decode(codes[i], y)`` for ``y = 0, 1, …``; ``model`` is class-conditional, ``codes`` are ``(m, latent_dim)``."""
    if not hasattr(model, "n_classes"):
        raise ValueError(f"styles_by_digit needs a class-conditional generator (with n_classes), got a {type(model).__name__}.")
    device = next(model.parameters()).device
    codes = torch.as_tensor(codes, dtype=torch.float32).to(device)
    if codes.ndim != 2 or codes.shape[1] != model.latent_dim:
        raise ValueError(f"codes must be shaped (m, {model.latent_dim}), got {tuple(codes.shape)}.")
    k = model.n_classes
    labels = torch.arange(k, device=device).repeat(codes.shape[0])
    return model.decode(codes.repeat_interleave(k, dim=0), labels).cpu()


def plot_styles_by_digit(
    model: torch.nn.Module, n_styles: int = 5, seed: int = 0, title: str | None = None, ax: Axes | None = None
) -> Figure:
    """``n_styles`` codes drawn from N(0, I) with ``seed``, each decoded as every digit: one row per code."""
    codes = torch.randn(n_styles, model.latent_dim, generator=torch.Generator().manual_seed(seed))
    k = model.n_classes
    canvas = tile_images(styles_by_digit(model, codes), nrow=k, padding=PADDING)
    fig, ax = axes_or_new(ax, figsize=(0.45 * k + 1.2, 0.45 * n_styles + 1.0))
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    cell = 28 + PADDING
    ax.set_xticks([PADDING + 14 + cell * d for d in range(k)], [str(d) for d in range(k)])
    ax.set_yticks([PADDING + 14 + cell * i for i in range(n_styles)], [f"$z_{i + 1}$" for i in range(n_styles)])
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set(xlabel="digit asked for, $y$", ylabel="latent code (style)", title=title or "Same code, every digit")
    return fig
