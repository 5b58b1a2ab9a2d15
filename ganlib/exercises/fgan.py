r"""Self-check for notebook 08's section on f-divergences.

* :func:`check_reverse_kl_bound`: the learner derives the convex conjugate of :math:`f(u) = -\log u`,
  :math:`f^*(t) = -1 - \log(-t)` for :math:`t < 0`, and writes the variational bound of the reverse KL with
  the activation :math:`g(v) = -e^{-v}`:
  :math:`\mathbb E_p[-e^{-V}] - \mathbb E_q[f^*(-e^{-V})] = 1 - \mathbb E_p[e^{-V}] - \mathbb E_q[V]`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ganlib.exercises import call_learner, passed, require

Bound = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
_ADVICE = "It must accept two 1-D tensors of critic scores, V on samples of p and V on samples of q."


def _bound(reverse_kl_bound: Bound, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    value = call_learner(reverse_kl_bound, real_scores, fake_scores, context="reverse_kl_bound(real_scores, fake_scores)",
                         advice=_ADVICE)
    require(
        isinstance(value, torch.Tensor) and value.numel() == 1,
        f"return one number as a tensor (the bound, averaged over each batch), got {type(value).__name__}"
        f"{' of shape ' + str(tuple(value.shape)) if isinstance(value, torch.Tensor) else ''}.",
    )
    return value.reshape(())


def check_reverse_kl_bound(reverse_kl_bound: Bound) -> None:
    r"""``reverse_kl_bound(real_scores, fake_scores)`` must return :math:`\mathbb E_p[g(V)] - \mathbb E_q[f^*(g(V))]`
    for :math:`f(u) = -\log u` and :math:`g(v) = -e^{-v}`.

    Checked on scores whose bound is known, for the usual slips (no activation, p and q swapped, a missing
    constant, the forward KL's bound), for gradients, and at the best critic between two Gaussians, where
    the bound equals :math:`\mathrm{KL}(q \| p)`.
    """
    real, fake = torch.tensor([0.0, math.log(2.0)]), torch.tensor([1.0, 3.0])
    value = _bound(reverse_kl_bound, real, fake)
    require(
        bool(torch.isfinite(value)),
        "the bound is NaN or infinite for positive scores: f*(t) = −1 − log(−t) is defined for t < 0 only, so feed it "
        "t = g(V) = −exp(−V), never the raw score V.",
    )
    expected = 1 - (1.0 + 0.5) / 2 - (1.0 + 3.0) / 2  # 1 − mean(e^{−V_real}) − mean(V_fake)
    got = value.item()
    if abs(got - expected) > 1e-4:
        slips = {
            1 - (math.exp(-1) + math.exp(-3)) / 2 - math.log(2) / 2: "p and q are swapped: the first argument holds the "
            "scores of samples of p, whose term is E_p[g(V)]; the second those of q, whose term is −E_q[f*(g(V))].",
            expected - 1: "a constant is missing: f*(t) = −1 − log(−t), and −f*(−e^{−V}) = 1 − V. Check that the "
            "bound is 0 when p = q and V = 0 (then g(V) = −1 = T*).",
            expected - 2: "the constant has the wrong sign: f*(t) = −1 − log(−t), so −E_q[f*(g(V))] = 1 − E_q[V].",
            math.log(2) / 2 - (1 + math.exp(2)) / 2: "this is the bound of the forward KL, f(u) = u log u. The reverse KL "
            "has f(u) = −log u: derive its conjugate f*(t) = sup_u (ut + log u).",
            -(1 + 2) / 2 + 1 + (1 + 3) / 2: "the activation has the wrong sign inside the exponential: use "
            "g(v) = −exp(−v), whose −log(−g(v)) is simply v.",
        }
        for slip, hint in slips.items():
            require(abs(got - slip) > 1e-4, hint)
        require(False, f"for V = (0, ln 2) on p's samples and V = (1, 3) on q's the bound is {expected}; you return "
                       f"{got:.4g}. Derive f*(t) = sup_u (ut + log u), compose it with g(v) = −exp(−v) and simplify.")
    scores = torch.tensor([0.5, -0.2, 1.0], requires_grad=True)
    same = _bound(reverse_kl_bound, scores, scores)
    require(same.requires_grad, "the bound does not depend on the scores, so it cannot train a critic: do not detach them "
                                "or convert them to numbers.")
    require(same.item() <= 1e-6, f"with the same scores for p and q the bound is {same.item():.4g}, but it is at most "
                                 "D_f(p ‖ p) = 0: check the signs of the two terms.")
    # The best critic between p = N(0, 1) and q = N(0, ½²): T* = −q/p, so V* = −log(−T*) = log(p/q) = 3x²/2 − ln 2.
    generator = torch.Generator().manual_seed(0)
    x_p, x_q = torch.randn(200_000, generator=generator), 0.5 * torch.randn(200_000, generator=generator)
    best = _bound(reverse_kl_bound, 1.5 * x_p**2 - math.log(2), 1.5 * x_q**2 - math.log(2)).item()
    kl_q_p = math.log(2) + 0.25 / 2 - 0.5  # KL(N(0, ½²) ‖ N(0, 1)) = 0.318; the forward KL(p ‖ q) is 0.807
    require(abs(best - kl_q_p) < 0.02, f"at the best critic between N(0, 1) and N(0, ½²) your bound gives {best:.3f}, "
                                       f"not KL(q ‖ p) = {kl_q_p:.3f}.")
    passed(
        f"the bound is {expected} on the test scores, at most 0 when p = q, and {best:.3f} ≈ KL(q ‖ p) = {kl_q_p:.3f} at "
        "the best critic between N(0, 1) and N(0, ½²): the reverse KL's variational bound."
    )
