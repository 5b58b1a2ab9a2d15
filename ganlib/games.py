r"""Gradient play on the smallest two-player game: :math:`\min_x \max_y\ f(x, y) = x y`.

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
"""

from __future__ import annotations

from collections.abc import Callable

import torch

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
