r"""Self-checks for notebook 01, *Sampling*.

* :func:`check_cauchy_inverse_cdf`: the inverse CDF of the standard Cauchy distribution;
* :func:`check_best_envelope`: the smallest :math:`M` for a standard normal target under a Cauchy proposal;
* :func:`check_step_size`: a Metropolis–Hastings step size that mixes well on the course's bimodal target.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ganlib.data.toy import gaussian_mixture_1d
from ganlib.exercises import ExerciseError, call_learner, passed, require
from ganlib.sampling import (
    effective_sample_size,
    inverse_transform,
    metropolis_hastings,
    rejection_sample,
)

BEST_M = math.sqrt(2 * math.pi / math.e)  # max of N(x; 0, 1) / Cauchy(x), reached at x = ±1


def _as_number(value: object, name: str) -> float:
    is_scalar_tensor = isinstance(value, torch.Tensor) and value.numel() == 1
    require(
        is_scalar_tensor or (isinstance(value, (int, float)) and not isinstance(value, bool)),
        f"{name} should be a number, got {type(value).__name__}.",
    )
    number = float(value)
    require(math.isfinite(number) and number > 0, f"{name} should be a positive finite number, got {number}.")
    return number


def _evaluate(function: Callable[[torch.Tensor], torch.Tensor], u: torch.Tensor) -> torch.Tensor:
    """Call the learner's function on a tensor, turning the usual mistakes into hints."""
    x = call_learner(
        function, u, context="your function on a tensor of u values",
        advice="It must take a whole tensor at once: use torch.tan, torch.log, ... rather than math.tan, math.log.",
    )
    require(isinstance(x, torch.Tensor), f"return a tensor of samples, not a {type(x).__name__}.")
    require(x.shape == u.shape, f"one sample per u: expected shape {tuple(u.shape)}, got {tuple(x.shape)}.")
    require(bool(torch.isfinite(x).all()), "some samples are inf or nan for u strictly inside (0, 1).")
    return x.double()


def check_cauchy_inverse_cdf(inverse_cdf: Callable[[torch.Tensor], torch.Tensor]) -> None:
    r"""The standard Cauchy CDF is :math:`F(x) = \tfrac12 + \arctan(x)/\pi`; check that ``inverse_cdf``
    undoes it, :math:`F(F^{-1}(u)) = u`, then sample with it and compare the quartiles with -1, 0, 1.
    """
    u = torch.linspace(0.01, 0.99, 99, dtype=torch.float64)
    x = _evaluate(inverse_cdf, u)
    cdf = 0.5 + torch.atan(x) / math.pi
    if torch.allclose(cdf, u, atol=1e-5):
        note = ""
    elif torch.allclose(cdf, 1 - u, atol=1e-5):
        note = " (you inverted 1 - F; since 1 - U is uniform too, that samples the same distribution)"
    else:
        median = float(x[49])
        require(
            abs(median) < 1e-4,
            f"the standard Cauchy is symmetric about 0, so F^-1(0.5) must be 0; yours gives {median:.3f}. "
            "Solve u = 1/2 + arctan(x)/pi for x one step at a time.",
        )
        worst = int((cdf - u).abs().argmax())
        raise ExerciseError(
            f"F(F^-1(u)) should give u back, but at u = {float(u[worst]):.2f} it gives {float(cdf[worst]):.3f}. "
            "Check the factor pi: arctan takes values in (-pi/2, pi/2)."
        )
    samples = inverse_transform(inverse_cdf, 20_000, generator=torch.Generator().manual_seed(0))
    q1, q2, q3 = torch.quantile(samples.double(), torch.tensor([0.25, 0.5, 0.75], dtype=torch.float64)).tolist()
    passed(
        f"F(F^-1(u)) = u at 99 points{note}; 20,000 samples have quartiles {q1:.3f}, {q2:.3f}, {q3:.3f} "
        "(exact: -1, 0, 1)."
    )


def check_best_envelope(M: float) -> None:
    r"""``M`` should be :math:`\max_x \mathcal N(x; 0, 1) / \mathrm{Cauchy}(x)`, to 0.1 %; then run
    rejection sampling with it and report the acceptance rate next to :math:`1/M`.
    """
    M = _as_number(M, "M")
    if abs(M - math.sqrt(math.pi / 2)) < 1e-3:
        raise ExerciseError(
            "x = 0 is a stationary point of p(x)/q(x), but not its maximum: the ratio is larger elsewhere. "
            "Find every solution of d/dx log(p(x)/q(x)) = 0 and compare the ratio at each."
        )
    require(
        M >= BEST_M * (1 - 1e-3),
        f"with M = {M:.4f}, M q(x) is not an envelope: p(x)/q(x) exceeds it somewhere, so rejection sampling "
        "would keep the wrong distribution. M must be at least the maximum over x of p(x)/q(x).",
    )
    require(
        M <= BEST_M * (1 + 1e-3),
        f"M = {M:.4f} gives a valid envelope but not the tightest one: a smaller M keeps more proposals "
        "(the acceptance rate is 1/M). Find the maximum of p(x)/q(x) exactly.",
    )
    normal = torch.distributions.Normal(0.0, 1.0)
    result = rejection_sample(
        lambda x: normal.log_prob(x).exp(),
        lambda k, generator: torch.tan(math.pi * (torch.rand(k, generator=generator, dtype=torch.float64) - 0.5)),
        lambda x: 1 / (math.pi * (1 + x**2)),
        BEST_M,
        20_000,
        generator=torch.Generator().manual_seed(0),
    )
    passed(
        f"M = sqrt(2 pi / e) = {BEST_M:.4f}; rejection sampling kept {result.acceptance_rate:.3f} of the "
        f"Cauchy proposals (1/M = {1 / BEST_M:.3f}), and the samples have mean {float(result.samples.mean()):.3f} "
        f"and standard deviation {float(result.samples.std()):.3f}."
    )


def check_step_size(step_size: float, low: float = 0.25, high: float = 0.5) -> None:
    r"""Run 5,000 steps of random-walk Metropolis–Hastings on ``gaussian_mixture_1d()`` from :math:`x_0 = 0`
    with a fixed seed. The acceptance rate must lie in [``low``, ``high``], and after 500 steps of burn-in
    the chain must spend about the right fraction of its time in the left mode.
    """
    step_size = _as_number(step_size, "step_size")
    target = gaussian_mixture_1d()
    chain, rate = metropolis_hastings(target.log_prob, 0.0, 5000, step_size, torch.Generator().manual_seed(0))
    require(
        rate <= high,
        f"acceptance rate {rate:.3f} is above {high}: the steps are too timid. Nearly every proposal is accepted, "
        "but each moves the chain so little that it crawls. Try a larger step size.",
    )
    require(
        rate >= low,
        f"acceptance rate {rate:.3f} is below {low}: the steps are too bold. Most proposals land where the "
        "density is tiny and are rejected, so the chain sits still. Try a smaller step size.",
    )
    kept = chain[500:]
    left = float((kept < -0.5).double().mean())
    exact = float(target.cdf(torch.tensor([-0.5])))
    require(
        abs(left - exact) < 0.1,
        f"the chain spends {left:.3f} of its time left of x = -0.5, but the target puts {exact:.3f} of its mass "
        "there: it does not move between the two modes often enough yet.",
    )
    passed(
        f"step size {step_size:.3g}: acceptance rate {rate:.3f}; the chain spends {left:.3f} of its time left of "
        f"x = -0.5 (exact {exact:.3f}); effective sample size ≈ {effective_sample_size(kept):.0f} of {len(kept):,}."
    )

