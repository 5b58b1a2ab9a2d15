r"""Self-checks for notebook 05, *Generative adversarial networks*.

* :func:`check_optimal_logit`: for :math:`p_\text{data} = \mathcal N(0, 1)` and :math:`p_g = \mathcal N(\mu, 1)`
  the optimal discriminator is a logistic regression, :math:`D^*(x) = \sigma(w x + b)`; the learner finds
  :math:`w` and :math:`b` as functions of :math:`\mu`;
* :func:`check_loss_gradients`: the derivatives of the two generator losses with respect to the
  discriminator's logit, in closed form as functions of :math:`D = D(G(z))`;
* :func:`check_extragradient`: one extragradient step on :math:`\min_x \max_y xy`, which, unlike plain
  gradient play, converges to the equilibrium.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ganlib.dynamics import generator_loss_gradients, optimal_discriminator, play
from ganlib.exercises import ExerciseError, call_learner, passed, require


def _number(value: object, what: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise ExerciseError(f"{what} must be a number, got {value!r}.") from error
    require(math.isfinite(number), f"{what} is {number}: return a finite number.")
    return number


def check_optimal_logit(optimal_logit: Callable[[float], tuple[float, float]]) -> None:
    r"""``optimal_logit(mu)`` must return ``(w, b)`` with :math:`D^*(x) = \sigma(w x + b)` for
    :math:`p_\text{data} = \mathcal N(0, 1)` and :math:`p_g = \mathcal N(\mu, 1)`.

    Checked against :math:`p_\text{data} / (p_\text{data} + p_g)` (``ganlib.dynamics.optimal_discriminator``) on a
    grid of :math:`x`, for several :math:`\mu`.
    """
    x = torch.linspace(-4.0, 4.0, 81, dtype=torch.float64)
    normal = torch.distributions.Normal
    worst = 0.0
    for mu in (-2.0, -0.5, 1.0, 3.0):
        answer = call_learner(optimal_logit, mu)
        require(
            isinstance(answer, (tuple, list)) and len(answer) == 2,
            f"return the pair (w, b), two numbers; got {answer!r}.",
        )
        w, b = _number(answer[0], "w"), _number(answer[1], "b")
        expected = optimal_discriminator(normal(0.0, 1.0).log_prob(x).exp(), normal(mu, 1.0).log_prob(x).exp())
        mine = torch.sigmoid(w * x + b)
        error = (mine - expected).abs().max().item()
        if error > 1e-6:
            require(
                abs(w + mu) > 1e-6,
                f"for mu = {mu}, w is right but b is not: b is the part of log p_data(x) − log p_g(x) "
                "that does not depend on x.",
            )
            require(
                abs(w - mu) > 1e-6,
                f"for mu = {mu} your w has the wrong sign: D* must be large where the data are (near 0) and "
                "small where the fakes are (near mu).",
            )
            require(
                False,
                f"for mu = {mu}, σ(w x + b) is up to {error:.3f} away from p_data / (p_data + p_g). Use "
                "D* = σ(log p_data(x) − log p_g(x)) and expand the two Gaussian log densities: the x² terms cancel.",
            )
        worst = max(worst, error)
    w, b = (float(v) for v in optimal_logit(1.0))  # type: ignore[misc]
    passed(
        f"D*(x) = σ({w:g}·x + {b:g}) for mu = 1 (largest error over four mu: {worst:.1e}). The decision boundary "
        "D* = 1/2 sits half-way between the two means: a logistic-regression discriminator is enough here."
    )


def check_loss_gradients(
    minimax_gradient: Callable[[torch.Tensor], torch.Tensor], nonsaturating_gradient: Callable[[torch.Tensor], torch.Tensor]
) -> None:
    r"""Each function maps :math:`D = D(G(z))` (a tensor of values in (0, 1)) to
    :math:`\partial \ell_G / \partial l`, the derivative of that generator loss (per sample) with respect to
    the logit :math:`l`, where :math:`D = \sigma(l)`. Checked against autograd.
    """
    d = torch.tensor([0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99], dtype=torch.float64)
    reference = generator_loss_gradients(d)
    functions = {"minimax": minimax_gradient, "nonsaturating": nonsaturating_gradient}
    for (name, function), other in zip(functions.items(), reversed(functions)):
        answer = call_learner(function, d.clone())
        require(isinstance(answer, torch.Tensor), f"{name}: return a tensor (one derivative per value of D).")
        require(answer.shape == d.shape, f"{name}: return one derivative per value of D, shape {tuple(d.shape)}.")
        expected = reference[name]
        if not torch.allclose(answer.double(), expected, rtol=1e-6, atol=1e-9):
            require(
                not torch.allclose(answer.double(), -expected, rtol=1e-6, atol=1e-9),
                f"{name}: the sign is flipped. The generator *minimises* its loss; differentiate the loss itself.",
            )
            require(
                not torch.allclose(answer.double().abs(), reference[other].abs(), rtol=1e-6, atol=1e-9),
                f"{name}: that is the magnitude of the {other} loss's derivative. Use dσ(l)/dl = σ(l)(1 − σ(l)) = D(1 − D) and the "
                "chain rule on the log.",
            )
            require(
                False,
                f"{name}: not the derivative yet. Write the loss as a function of l, with D = σ(l), and use "
                "dσ(l)/dl = D(1 − D).",
            )
    saturating, strong = (float(reference[k][1]) for k in ("minimax", "nonsaturating"))  # at D = 0.01
    passed(
        f"at D(G(z)) = 0.01 the minimax gradient is {saturating:.2f} and the non-saturating one {strong:.2f}: "
        f"{strong / saturating:.0f} times stronger exactly when the generator is losing."
    )


def check_extragradient(step: Callable[[float, float, float], tuple[float, float]]) -> None:
    r"""``step(x, y, lr)`` must return the next ``(x, y)`` of extragradient on :math:`f(x, y) = x y`:
    a trial step :math:`\tilde x = x - \eta y,\ \tilde y = y + \eta x`, then
    :math:`x' = x - \eta \tilde y,\ y' = y + \eta \tilde x`.

    Checked step by step against ``ganlib.dynamics.play(method="extragradient")`` for 300 steps of
    :math:`\eta = 0.1`, the step size of notebook 05's paths.
    """
    lr, steps = 0.1, 300
    reference = play((1.0, 1.0), lr, steps, "extragradient")
    x, y = 1.0, 1.0
    for t in range(steps):
        answer = call_learner(step, x, y, lr)
        require(isinstance(answer, (tuple, list)) and len(answer) == 2, f"return the pair (x, y); got {answer!r}.")
        x, y = _number(answer[0], "x"), _number(answer[1], "y")
        if t == 0:
            simultaneous = play((1.0, 1.0), lr, 1, "simultaneous")[1]
            require(
                not (abs(x - simultaneous[0].item()) < 1e-9 and abs(y - simultaneous[1].item()) < 1e-9),
                "that is one plain simultaneous step, which spirals outwards. Take the trial step first, then "
                "step from the *original* (x, y) with the gradients at the trial point.",
            )
            trial_x, trial_y = 1.0 - lr, 1.0 + lr
            require(
                not (abs(x - (trial_x - lr * trial_y)) < 1e-9 and abs(y - (trial_y + lr * trial_x)) < 1e-9),
                "the second step must start from the original (x, y), not from the trial point.",
            )
        expected = reference[t + 1]
        require(
            abs(x - expected[0].item()) < 1e-9 and abs(y - expected[1].item()) < 1e-9,
            f"step {t + 1} gives ({x:.4f}, {y:.4f}) but extragradient gives ({expected[0]:.4f}, {expected[1]:.4f}). "
            "x descends f = xy (gradient y), y ascends it (gradient x); both use the gradients at the trial point.",
        )
    factor = math.sqrt(1 - lr**2 + lr**4)
    passed(
        f"after {steps} steps the distance to (0, 0) fell from {math.sqrt(2):.3f} to {math.hypot(x, y):.2e}, a factor "
        f"√(1 − η² + η⁴) = {factor:.4f} per step, where simultaneous steps grow it by √(1 + η²) = {math.sqrt(1 + lr**2):.4f}."
    )
