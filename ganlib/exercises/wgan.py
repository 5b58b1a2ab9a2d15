r"""Self-checks for notebook 08's section on Wasserstein GANs.

* :func:`check_gradient_penalty`: the learner writes the WGAN-GP penalty,
  :math:`\mathbb E_{\hat x}[(\lVert \nabla f(\hat x) \rVert_2 - 1)^2]` at :math:`\hat x = \epsilon x + (1 - \epsilon) \tilde x`
  with one uniform :math:`\epsilon` per pair. Its randomness is checked through critics whose penalty
  does not depend on :math:`\epsilon`, and through a critic that records the points it is shown.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ganlib.exercises import call_learner, passed, require

Penalty = Callable[[Callable[[torch.Tensor], torch.Tensor], torch.Tensor, torch.Tensor], torch.Tensor]
_ADVICE = "It must accept a critic (a function of a batch), and real and fake batches of the same shape."


def _penalty(gradient_penalty: Penalty, critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    value = call_learner(gradient_penalty, critic, real, fake, context="gradient_penalty(critic, real, fake)", advice=_ADVICE)
    require(
        isinstance(value, torch.Tensor) and value.numel() == 1,
        f"return one number as a tensor (the mean over the batch), got {type(value).__name__}"
        f"{' of shape ' + str(tuple(value.shape)) if isinstance(value, torch.Tensor) else ''}.",
    )
    require(bool(torch.isfinite(value).all()), f"the penalty is {value.item()}; it should be a finite number.")
    return value.reshape(())


def _check_interpolation(gradient_penalty: Penalty, real: torch.Tensor, fake: torch.Tensor) -> None:
    """A critic that records its input: every row must lie on the segment between its real and fake point."""
    seen: list[torch.Tensor] = []

    def recording_critic(x: torch.Tensor) -> torch.Tensor:
        seen.append(x.detach().clone())
        return x.flatten(1).sum(dim=1)

    _penalty(gradient_penalty, recording_critic, real, fake)
    require(len(seen) > 0, "the critic was never called: evaluate it at the points x̂ between the real and fake samples.")
    between = seen[-1]
    require(between.shape == real.shape, f"the critic saw a batch of shape {tuple(between.shape)}; give it x̂ with the shape of real, {tuple(real.shape)}.")
    eps = ((between - fake) / (real - fake)).flatten(1)  # real - fake is never 0 below
    require(
        bool(((eps > -1e-5) & (eps < 1 + 1e-5)).all()),
        "some x̂ are not between their real and fake point: use x̂ = ε·real + (1 − ε)·fake with ε in [0, 1].",
    )
    require(
        bool((eps.max(dim=1).values - eps.min(dim=1).values < 1e-4).all()),
        "x̂ mixes each pair with several ε: draw one ε per sample, shaped (n, 1) or (n, 1, 1, 1), so the whole "
        "point moves along the straight line from the fake to the real one.",
    )
    require(
        eps[:, 0].std().item() > 0.05,
        "every pair is mixed with the same ε: draw one ε ~ U(0, 1) per sample (torch.rand(n, 1, ...)).",
    )


def check_gradient_penalty(gradient_penalty: Penalty) -> None:
    r"""``gradient_penalty(critic, real, fake)`` must return :math:`\frac1n \sum_i (\lVert \nabla f(\hat x_i) \rVert_2 - 1)^2`.

    Checked on a linear critic :math:`f(x) = w \cdot x` (gradient :math:`w` everywhere), on a quadratic one
    :math:`f(x) = \tfrac12 \lVert x \rVert^2` with real = fake (so :math:`\hat x = x`, gradient :math:`x`),
    on images, for the points :math:`\hat x` it is evaluated at, and for gradients reaching the critic's weights.
    """
    generator = torch.Generator().manual_seed(0)
    real, fake = torch.randn(64, 2, generator=generator), torch.randn(64, 2, generator=generator) + 3.0
    w = torch.tensor([3.0, 4.0])  # |w| = 5
    linear = _penalty(gradient_penalty, lambda x: x @ w, real, fake).item()
    if abs(linear - 16.0) > 1e-4:
        require(abs(linear - 4.0) > 1e-4, "for f(x) = w·x with |w| = 5 you return (5 − 1), not (5 − 1)²: square the gap to 1.")
        require(
            min(abs(linear - 6.5), abs(linear - 13.0)) > 1e-4,  # ((3 − 1)² + (4 − 1)²) / 2, or the sum
            "for f(x) = w·x = 3x₁ + 4x₂ you penalise each coordinate of the gradient: take the Euclidean norm of "
            "the whole gradient of each sample, ‖∇f(x̂)‖₂ = 5, then (‖∇f‖₂ − 1)².",
        )
        require(
            False,
            f"for f(x) = w·x with |w| = 5 the gradient norm is 5 at every point, so the penalty is (5 − 1)² = 16; "
            f"you return {linear:.4g}. Differentiate critic(x̂).sum() with respect to x̂ (torch.autograd.grad).",
        )
    points = torch.tensor([[0.6, 0.8], [3.0, 4.0], [0.0, 0.5]])  # norms 1, 5 and 0.5
    quadratic = _penalty(gradient_penalty, lambda x: 0.5 * x.pow(2).sum(dim=1), points, points).item()
    expected = ((1 - 1) ** 2 + (5 - 1) ** 2 + (0.5 - 1) ** 2) / 3
    require(
        abs(quadratic - expected) < 1e-4,
        f"for f(x) = ½‖x‖² the gradient at x is x, so at the points of norms 1, 5 and 0.5 the penalty is the mean of "
        f"(‖x‖ − 1)², {expected:.4f}; you return {quadratic:.4f}. Average over the batch, one gradient norm per sample.",
    )
    pixels = torch.full((784,), 0.1)  # images: the norm runs over all 784 pixels, 0.1·28 = 2.8
    images = _penalty(gradient_penalty, lambda x: x.flatten(1) @ pixels, torch.randn(4, 1, 28, 28), torch.randn(4, 1, 28, 28)).item()
    require(
        abs(images - 1.8**2) < 1e-3,
        f"on images of shape (n, 1, 28, 28) the gradient norm is over all pixels of a sample (flatten(1) before "
        f".norm(dim=1)); a critic with gradient norm 2.8 should give (2.8 − 1)² = 3.24, you return {images:.4g}.",
    )
    _check_interpolation(gradient_penalty, real, fake)
    weight = torch.tensor([3.0, 4.0], requires_grad=True)
    penalty = _penalty(gradient_penalty, lambda x: x @ weight, real, fake)
    require(
        penalty.requires_grad,
        "the penalty does not depend on the critic's weights, so it cannot train the critic: compute the gradient "
        "with torch.autograd.grad(..., create_graph=True).",
    )
    (grad,) = torch.autograd.grad(penalty, weight)
    require(
        torch.allclose(grad, 2 * (5 - 1) * weight.detach() / 5, atol=1e-4),  # d/dw (|w| − 1)² = 2 (|w| − 1) w / |w|
        "the penalty's gradient with respect to the critic's weights is wrong: do not detach x̂ or the gradient "
        "after torch.autograd.grad(..., create_graph=True).",
    )
    passed(
        f"the linear critic with |w| = 5 pays {linear:.1f} = (5 − 1)², and the penalty trains the critic's weights: "
        "WGAN-GP adds λ times it to the critic's loss (λ = 10 in the paper)."
    )

