r"""How a GAN moves: gradient play on a toy game, and a look inside a 1-D GAN.

**The game.** Gradient play on the smallest two-player game: :math:`\min_x \max_y\ f(x, y) = x y`.

The game has one Nash equilibrium, :math:`(0, 0)`: there neither player gains by moving alone. A GAN is
trained the same way, each player following its own gradient, so this game shows in two dimensions what
can go wrong in millions.

**Simultaneous steps** (both players use the old point), with step size :math:`\eta`:

.. math:: x_{t+1} = x_t - \eta\, \partial_x f = x_t - \eta y_t, \qquad y_{t+1} = y_t + \eta\, \partial_y f = y_t + \eta x_t .

This is the linear map :math:`\begin{pmatrix} 1 & -\eta \\ \eta & 1 \end{pmatrix}`, a rotation by
:math:`\arctan\eta` times a stretch by :math:`\sqrt{1 + \eta^2}`: the iterates circle the equilibrium and
spiral *outwards*, :math:`r_t = (1 + \eta^2)^{t/2}\, r_0`, for every step size.

**Alternating steps** (y reacts to the new x) give a map of determinant 1 that keeps
:math:`x^2 + y^2 - \eta x y` constant: the iterates circle on a closed orbit, forever.

**Extragradient** (Korpelevich, 1976) first takes a trial step, then steps with the gradient *at the trial
point*. The extra look-ahead damps the rotation: the map shrinks distances by :math:`\sqrt{1 - \eta^2 + \eta^4}`
per step, so the iterates spiral *in* to the equilibrium (Exercise 3 of notebook 05).

**Looking inside a GAN**: the generator's density in 1-D, what the discriminator believes, and how hard
each generator loss pushes.

* :func:`snapshot_1d`: the generator's density (:func:`ganlib.likelihood.kde_1d` of its samples) and
  :math:`D(x)` on a grid, as one tensor, for the training loop's ``snapshot`` hook.
* :func:`generator_loss_gradients`: :math:`\partial \ell_G / \partial l` with respect to the discriminator's
  logit :math:`l` on a fake sample, by autograd. With :math:`D = \sigma(l)` the closed forms are
  :math:`\partial_l \log(1 - \sigma(l)) = -D` (minimax) and :math:`\partial_l [-\log \sigma(l)] = -(1 - D)`
  (non-saturating).
* :func:`optimal_discriminator`: :math:`D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))`, the best D
  against a fixed G.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ganlib.gan import generator_loss_minimax, generator_loss_nonsaturating
from ganlib.likelihood import kde_1d
from ganlib.models.generator import Generator

Value = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
METHODS = ("simultaneous", "alternating", "extragradient")


def bilinear(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The value :math:`f(x, y) = x y` that x minimises and y maximises."""
    return x * y


def gradients(value: Value, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    r""":math:`(\partial_x f, \partial_y f)` at ``(x, y)``, by autograd (no closed form needed)."""
    x, y = x.detach().requires_grad_(True), y.detach().requires_grad_(True)
    grad_x, grad_y = torch.autograd.grad(value(x, y), (x, y))
    return grad_x, grad_y


def play(
    start: tuple[float, float] = (1.0, 1.0),
    lr: float = 0.1,
    steps: int = 100,
    method: str = "simultaneous",
    value: Value = bilinear,
) -> torch.Tensor:
    """The path of gradient play from ``start``: x descends ``value``, y ascends it.

    Returns the ``steps + 1`` points visited, shape ``(steps + 1, 2)``, float64.
    ``method`` is ``"simultaneous"``, ``"alternating"`` or ``"extragradient"`` (see the module docstring).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}.")
    if lr <= 0 or steps < 0:
        raise ValueError(f"lr must be positive and steps non-negative, got lr={lr}, steps={steps}.")
    x, y = (torch.tensor(float(v), dtype=torch.float64) for v in start)
    path = [torch.stack([x, y])]
    for _ in range(steps):
        if method == "simultaneous":
            gx, gy = gradients(value, x, y)
            x, y = x - lr * gx, y + lr * gy
        elif method == "alternating":
            x = x - lr * gradients(value, x, y)[0]
            y = y + lr * gradients(value, x, y)[1]
        else:
            gx, gy = gradients(value, x, y)
            gx, gy = gradients(value, x - lr * gx, y + lr * gy)
            x, y = x - lr * gx, y + lr * gy
        path.append(torch.stack([x, y]))
    return torch.stack(path)


def radius(path: torch.Tensor) -> torch.Tensor:
    """Distance of each point of a path to the equilibrium (0, 0)."""
    return path.norm(dim=1)


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


def optimal_discriminator(p_data: torch.Tensor, p_model: torch.Tensor) -> torch.Tensor:
    r"""The best discriminator for a fixed generator, :math:`D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))`,
    from the two densities evaluated at the same points (1/2 where both are 0)."""
    p_data, p_model = torch.as_tensor(p_data), torch.as_tensor(p_model)
    if (p_data < 0).any() or (p_model < 0).any():
        raise ValueError("densities must be non-negative.")
    total = p_data + p_model
    return torch.where(total > 0, p_data / total.clamp_min(torch.finfo(total.dtype).tiny), torch.full_like(total, 0.5))
