r"""Self-checks for notebook 02 (likelihood, maximum likelihood and the KL divergence).

* :func:`check_exponential_mle`: the maximum-likelihood rate of an exponential distribution.
* :func:`check_kl_normal`: the closed-form KL divergence between two univariate Gaussians.
* :func:`direction_quiz` and :func:`check_kl_direction`: which KL direction produced each fit?
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import NamedTuple

import torch
from torch.distributions import Normal, kl_divergence

from ganlib.data.toy import GaussianMixture, gaussian_mixture_1d
from ganlib.exercises import passed, require
from ganlib.likelihood import GaussianFit, fit_gaussian_kl

_RATES = (0.5, 2.0, 5.0)
_N_DRAWS = 500


def check_exponential_mle(estimator: Callable[[torch.Tensor], torch.Tensor | float]) -> None:
    r"""``estimator(x)`` must return the maximum-likelihood rate :math:`\hat\lambda` of a 1-D sample ``x``.

    Tested on samples of :math:`\mathrm{Exp}(\lambda)`, :math:`p(x) = \lambda e^{-\lambda x}`, for several
    rates, against the answer of setting the derivative of the log-likelihood to zero.
    """
    generator = torch.Generator().manual_seed(0)
    estimates = {}
    for rate in _RATES:
        x = -torch.log(torch.rand(_N_DRAWS, generator=generator, dtype=torch.float64)) / rate
        answer = estimator(x.clone())
        require(answer is not None, "your function returns None: end it with `return` and the estimate.")
        value = float(answer)
        expected = _N_DRAWS / float(x.sum())
        if not math.isclose(value, expected, rel_tol=1e-6):
            require(
                not math.isclose(value, float(x.mean()), rel_tol=1e-6),
                "that is the sample mean, which estimates 1/λ (the mean of an exponential), not the rate λ.",
            )
            require(
                not math.isclose(value, (_N_DRAWS - 1) / float(x.sum()), rel_tol=1e-6),
                "(n − 1)/Σxᵢ is the unbiased estimator; the maximum-likelihood one comes from dℓ/dλ = 0 "
                "exactly.",
            )
            require(
                False,
                f"for λ = {rate} your estimate is {value:.4g}. Write "
                "ℓ(λ) = Σᵢ log(λ e^(−λ xᵢ)) = n log λ − λ Σᵢ xᵢ, set dℓ/dλ to zero and solve for λ.",
            )
        estimates[rate] = value
    passed(f"λ̂ = n / Σᵢ xᵢ = 1 / x̄; on {_N_DRAWS} draws with λ = 2 it gives λ̂ = {estimates[2.0]:.3f}.")


_KL_CASES = (
    (0.0, 1.0, 0.0, 1.0),
    (0.0, 1.0, 1.0, 2.0),
    (1.0, 2.0, 0.0, 1.0),
    (-1.0, 0.5, 2.0, 1.5),
    (0.3, 3.0, 0.3, 0.7),
)


def check_kl_normal(kl_fn: Callable[..., torch.Tensor | float]) -> None:
    r"""``kl_fn(mu_p, std_p, mu_q, std_q)`` must return
    :math:`\mathrm{KL}(\mathcal N(\mu_p, \sigma_p^2) \,\|\, \mathcal N(\mu_q, \sigma_q^2))` in nats; it
    receives 0-d float64 tensors.

    Compared with ``torch.distributions.kl_divergence`` on five pairs, including equal and swapped ones.
    """
    for mu_p, std_p, mu_q, std_q in _KL_CASES:
        args = [torch.tensor(v, dtype=torch.float64) for v in (mu_p, std_p, mu_q, std_q)]
        answer = kl_fn(*args)
        require(answer is not None, "your function returns None: end it with `return` and the KL value.")
        value = float(answer)
        expected = _kl(mu_p, std_p, mu_q, std_q)
        if math.isclose(value, expected, rel_tol=1e-6, abs_tol=1e-9):
            continue
        require(
            (mu_p, std_p) != (mu_q, std_q),
            f"KL(p‖p) must be 0, but you get {value:.4g} for p = q = N({mu_p}, {std_p}²): check the constant −1/2.",
        )
        require(
            not math.isclose(value, _kl(mu_q, std_q, mu_p, std_p), rel_tol=1e-6),
            "you computed KL(q‖p): the expectation is under p, so σ_p² + (μ_p − μ_q)² is divided by 2σ_q².",
        )
        require(
            not math.isclose(value, expected + math.log(std_q / std_p), rel_tol=1e-6),
            "the log term is log(σ_q/σ_p), the log of the ratio of standard deviations, not of variances.",
        )
        require(
            False,
            f"KL(N({mu_p}, {std_p}²) ‖ N({mu_q}, {std_q}²)) should be {expected:.4f}, you get {value:.4f}. "
            "Expand E_p[log p(x) − log q(x)] using E_p[(x − μ_q)²] = σ_p² + (μ_p − μ_q)².",
        )
    passed(
        f"matches torch.distributions.kl_divergence on {len(_KL_CASES)} pairs; KL(N(0, 1) ‖ N(1, 2²)) = "
        f"{_kl(0, 1, 1, 2):.3f} but KL(N(1, 2²) ‖ N(0, 1)) = {_kl(1, 2, 0, 1):.3f} nats: KL is not symmetric."
    )


def _kl(mu_p: float, std_p: float, mu_q: float, std_q: float) -> float:
    return float(kl_divergence(Normal(float(mu_p), float(std_p)), Normal(float(mu_q), float(std_q))))


class DirectionQuiz(NamedTuple):
    """A three-mode target and three Gaussian fits to it, labelled "A", "B" and "C"."""

    target: GaussianMixture
    fits: dict[str, GaussianFit]


_QUIZ_ANSWERS = {"A": "reverse", "B": "forward", "C": "reverse"}


def direction_quiz() -> DirectionQuiz:
    """Fit one Gaussian to a three-mode mixture three times, by forward or reverse KL (a few seconds)."""
    target = gaussian_mixture_1d(means=(-3.0, 0.5, 3.5), stds=(0.7, 0.5, 0.6), weights=(0.3, 0.2, 0.5))
    generator = torch.Generator().manual_seed(2)
    fits = {
        "A": fit_gaussian_kl(target, "reverse", init=(3.0, 1.0), generator=generator),
        "B": fit_gaussian_kl(target, "forward", generator=generator),
        "C": fit_gaussian_kl(target, "reverse", init=(-3.0, 1.0), generator=generator),
    }
    return DirectionQuiz(target, fits)


def check_kl_direction(answers: Mapping[str, str]) -> None:
    """``answers`` maps each fit of :func:`direction_quiz` ("A", "B", "C") to ``"forward"`` or ``"reverse"``."""
    require(
        set(answers) == set(_QUIZ_ANSWERS),
        f"answer for exactly the fits {', '.join(_QUIZ_ANSWERS)}, e.g. {{'A': 'forward', ...}}; got {sorted(answers)}.",
    )
    for name, truth in _QUIZ_ANSWERS.items():
        given = str(answers[name]).strip().lower()
        require(given in ("forward", "reverse"), f"answer {name} with 'forward' or 'reverse', not {answers[name]!r}.")
        if given == truth:
            continue
        require(
            truth == "forward",
            f"look again at fit {name}: it leaves whole modes of p uncovered. Forward KL(p‖q) averages "
            "log p/q over samples of p, so it explodes wherever p has mass and q has almost none.",
        )
        require(
            False,
            f"look again at fit {name}: it spreads over the gaps between the modes, where p is nearly zero. "
            "Reverse KL(q‖p) averages log q/p over samples of q, so it would punish that mass heavily.",
        )
    passed(
        "A and C minimise the reverse KL(q‖p): each sits on a single mode (mode seeking). B minimises the "
        "forward KL(p‖q): it matches p's mean and spread, covering every mode and the gaps (mode covering)."
    )
