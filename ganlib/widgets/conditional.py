r"""Explore a class-conditional generator :math:`G(z \mid y)`: pick the digit, move the style.

:func:`digit_and_style` shows one image; the digit buttons change :math:`y`, the sliders change the first
few coordinates of :math:`z`. With the code fixed, switching digits shows the same handwriting drawn as
another digit; with the digit fixed, the sliders change only the handwriting.
"""

from __future__ import annotations

import ipywidgets as widgets
import torch

from ganlib.plotting.conditional import styles_by_digit
from ganlib.widgets import LivePanel, images_to_png, slider


def digit_buttons(n_classes: int = 10, digit: int = 0) -> widgets.ToggleButtons:
    """One toggle button per class, ``0 … n_classes - 1``."""
    return widgets.ToggleButtons(
        options=list(range(n_classes)),
        value=digit,
        description="digit",
        style={"button_width": "32px", "description_width": "initial"},
    )


def digit_and_style(
    model: torch.nn.Module, dims: list[int] | None = None, z0: torch.Tensor | None = None, digit: int = 0, span: float = 3.0
) -> LivePanel:
    """A digit selector and one slider per chosen latent dimension; the image updates in place.

    Args:
        model: a class-conditional generator (``latent_dim``, ``n_classes``, ``decode(z, labels)``), in eval mode.
        dims: the latent dimensions to expose (default: the first four).
        z0: the starting code (default: zeros, the prior's mode); unexposed dimensions keep its values.
        digit: the digit shown first.
        span: sliders run over [-span, span].

    The static preview is :func:`~ganlib.plotting.conditional.styles_by_digit` of ``z0`` with each exposed
    dimension set to ``-span`` and to ``+span``: one row per code, one column per digit.
    """
    if not hasattr(model, "n_classes"):
        raise ValueError(f"digit_and_style needs a class-conditional generator (with n_classes), got a {type(model).__name__}.")
    latent_dim, n_classes = model.latent_dim, model.n_classes
    dims = list(range(min(4, latent_dim))) if dims is None else list(dims)
    if not dims or any(not 0 <= d < latent_dim for d in dims):
        raise ValueError(f"dims must be non-empty indices in 0..{latent_dim - 1} for this {latent_dim}-D latent space, got {dims}.")
    if digit not in range(n_classes):
        raise ValueError(f"digit must be an integer in 0..{n_classes - 1}, got {digit!r}.")
    base = torch.zeros(1, latent_dim) if z0 is None else torch.as_tensor(z0, dtype=torch.float32).reshape(1, -1)
    if base.shape[1] != latent_dim:
        raise ValueError(f"z0 must have {latent_dim} entries, got {base.shape[1]}.")
    device = next(model.parameters()).device
    controls = {"digit": digit_buttons(n_classes, digit)}
    controls |= {f"z{d}": slider(float(base[0, d]), -span, span, 0.05, f"z[{d}]") for d in dims}

    @torch.no_grad()
    def render(digit: int, **values: float) -> bytes:
        z = base.clone()
        for d in dims:
            z[0, d] = values[f"z{d}"]
        return images_to_png(model.decode(z.to(device), torch.tensor([digit], device=device)).cpu(), zoom=8)

    extremes = base.repeat(2 * len(dims), 1)
    for row, d in enumerate(dims):
        extremes[2 * row, d], extremes[2 * row + 1, d] = -span, span
    static = images_to_png(styles_by_digit(model, extremes), nrow=n_classes, zoom=2)
    return LivePanel(
        render,
        controls,
        describe=lambda digit, **values: f"digit {digit}, " + ", ".join(f"z[{d}] = {values[f'z{d}']:+.2f}" for d in dims),
        title="digit and style",
        static_png=static,
    )
