r"""Self-checks for notebook 02 (likelihood, maximum likelihood and the KL divergence).

* :func:`check_gaussian_ascent`: the maximum-likelihood Gaussian by gradient ascent on :math:`(\mu, \log\sigma)`,
  with the gradient written by hand and a step size inside the stable range.
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
from ganlib.exercises import ExerciseError, call_learner, passed, require
from ganlib.likelihood import (
    GaussianFit,
    fit_gaussian_gradient_ascent,
    fit_gaussian_kl,
    gaussian_log_likelihood,
    gaussian_mle,
)

_ASCENT_N = 50
_ASCENT_STEPS = 15  # few enough that a step size which is merely stable fails: it must be chosen
_ASCENT_TOLERANCE = 1e-6  # 10⁻⁶, as the confirmation says
_LOOP_LR = 0.1
_LOOP_STEPS = 20
_GRADIENT_POINTS = ((0.0, 0.0), (1.0, -0.5), (2.5, 0.4))  # (μ, s = log σ): away from the maximum, σ ≠ 1 in two


def _ascent_data() -> torch.Tensor:
    """50 fixed float64 points shifted and scaled to mean 1.5 and (divide-by-n) std 0.8, like notebook 02's ``x``."""
    z = torch.randn(_ASCENT_N, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    z = z - z.mean()
    return 1.5 + 0.8 * z / z.pow(2).mean().sqrt()


def _reference_gradient(x: torch.Tensor, mean: float, log_std: float) -> tuple[float, float]:
    r""":math:`(\partial\bar\ell/\partial\mu, \partial\bar\ell/\partial s)`, by autograd on
    :func:`ganlib.likelihood.gaussian_log_likelihood`."""
    mean_t = torch.tensor(mean, dtype=torch.float64, requires_grad=True)
    log_std_t = torch.tensor(log_std, dtype=torch.float64, requires_grad=True)
    log_likelihood = gaussian_log_likelihood(x, mean_t, log_std_t.exp())
    grad_mean, grad_log_std = torch.autograd.grad(log_likelihood, (mean_t, log_std_t))
    return float(grad_mean), float(grad_log_std)


def _pair(answer: object, what: str, names: str) -> tuple[float, float]:
    """The two numbers of a learner's returned pair, or a hint naming what to return."""
    require(answer is not None, f"{what} returns None: end it with `return {names}`.")
    try:
        first, second = answer  # type: ignore[misc]
        values = float(first), float(second)
    except (TypeError, ValueError, RuntimeError):  # not a pair, or not a number each (a tensor per point?)
        shown = " ".join(repr(answer).split())
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise ExerciseError(f"{what} must return the pair {names}, one number each; got {shown}.") from None
    require(all(math.isfinite(v) for v in values), f"{what} returned {values}: both must be finite numbers.")
    return values


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _check_gradient(gradient: Callable[..., object], x: torch.Tensor) -> None:
    n = x.numel()
    for mean, log_std in _GRADIENT_POINTS:
        args = (x.clone(), torch.tensor(mean, dtype=torch.float64), torch.tensor(log_std, dtype=torch.float64))
        answer = call_learner(gradient, *args, context="log_likelihood_gradient(x, mean, log_std)")
        d_mean, d_log_std = _pair(answer, "log_likelihood_gradient", "(d_mean, d_log_std)")
        e_mean, e_log_std = _reference_gradient(x, mean, log_std)
        if _close(d_mean, e_mean) and _close(d_log_std, e_log_std):
            continue
        variance = math.exp(2 * log_std)
        square = (e_log_std + 1) * variance  # (1/n) Σ (xᵢ − μ)², the mean square deviation from μ
        centred = float((x - x.mean()).pow(2).mean())  # the same, around x̄ instead of μ
        summed = _close(d_mean, n * e_mean) or any(  # Σ in place of the mean: all of ℓ, or just the squares
            _close(d_log_std, value) for value in (n * e_log_std, n * (e_log_std + 1) - 1)
        )
        require(
            not summed,
            f"your gradient sums over the n = {n} points where ℓ̄ averages them (.mean(), not .sum()). The "
            "gradient of the sum ℓ = n ℓ̄ makes every step n times bigger, far past the stable range of η.",
        )
        require(
            not (_close(d_mean, -e_mean) and _close(d_log_std, -e_log_std)),
            "both signs are flipped: that is the gradient of the loss −ℓ̄. Ascent needs the gradient of ℓ̄ itself.",
        )
        require(
            not _close(d_log_std, e_log_std * math.exp(-log_std)),
            f"at σ = e^s = {math.exp(log_std):.4f} your second component is ∂ℓ̄/∂σ, the derivative in σ. We optimise "
            "s = log σ: by the chain rule ∂ℓ̄/∂s = σ · ∂ℓ̄/∂σ.",
        )
        require(
            not (_close(d_log_std, square * n / (n - 1) / variance - 1)
                 or _close(d_log_std, centred * n / (n - 1) / variance - 1)),
            "you divided the squared deviations by n − 1 (as `x.var()` does by default). ℓ̄ averages over the "
            "n points, so it is (1/n) Σᵢ (xᵢ − μ)²: the MLE of the variance is the biased one.",
        )
        require(
            not _close(d_log_std, centred / variance - 1),
            f"at μ = {mean} your ∂ℓ̄/∂s uses the squared deviations from x̄. ℓ̄ depends on the current μ: "
            "use (1/n) Σᵢ (xᵢ − μ)², which equals the variance only when μ = x̄.",
        )
        wrong = "∂ℓ̄/∂μ" if not _close(d_mean, e_mean) else "∂ℓ̄/∂s"
        mine, right = (d_mean, e_mean) if wrong == "∂ℓ̄/∂μ" else (d_log_std, e_log_std)
        raise ExerciseError(
            f"at μ = {mean}, s = {log_std} your {wrong} is {mine:.6g} but should be {right:.6g}. Differentiate "
            "ℓ̄(μ, s) = −s − ½ log 2π − e^(−2s) · (1/n) Σᵢ (xᵢ − μ)² / 2, the formulas of section 3."
        )


def _check_loop(ascent: Callable[..., object], x: torch.Tensor) -> None:
    context = "gaussian_ascent(x, steps, lr)"
    answer = call_learner(ascent, x.clone(), 1, _LOOP_LR, context=context)
    mean, std = _pair(answer, "gaussian_ascent", "(mean, std)")
    expected = fit_gaussian_gradient_ascent(x, steps=1, lr=_LOOP_LR)
    if not (_close(mean, expected.mean) and _close(std, expected.std)):
        g_mean, g_log_std = _reference_gradient(x, 0.0, 0.0)
        require(
            not (_close(mean, -_LOOP_LR * g_mean) and _close(std, math.exp(-_LOOP_LR * g_log_std))),
            "your step goes downhill: that is gradient descent, which minimises ℓ̄. Ascent adds η times the "
            "gradient, θ ← θ + η ∇ℓ̄.",
        )
        require(
            not _close(std, _LOOP_LR * g_log_std),
            "you returned s = log σ as the standard deviation: return σ = e^s.",
        )
        require(
            not _close(std, 1 + _LOOP_LR * g_log_std),
            "you added the step for s to σ itself. Keep s = log σ as the parameter, update it, and return σ = e^s.",
        )
        require(
            False,
            f"one step with lr = {_LOOP_LR} from μ = 0, σ = 1 should give μ = {expected.mean:.6f}, "
            f"σ = {expected.std:.6f}; yours gives {mean:.6f}, {std:.6f}. Start at μ = 0, s = 0 and move both "
            "parameters by lr times your gradient.",
        )
    answer = call_learner(ascent, x.clone(), _LOOP_STEPS, _LOOP_LR, context=context)
    mean, std = _pair(answer, "gaussian_ascent", "(mean, std)")
    expected = fit_gaussian_gradient_ascent(x, steps=_LOOP_STEPS, lr=_LOOP_LR)
    require(
        _close(mean, expected.mean) and _close(std, expected.std),
        f"one step is right, but {_LOOP_STEPS} steps are not: make exactly `steps` updates, each with the "
        "gradient at the current (μ, s), and update μ and s together from the same gradient.",
    )


def _check_step_size(lr: object, std: float) -> float:
    try:
        eta = float(lr)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ExerciseError(f"set `lr` to a number, the step size you chose; got {lr!r}.") from None
    bound_mean, bound_log_std = 2 * std**2, 1.0
    require(eta > 0, f"lr = {eta:g}: the step size must be positive, or the update does not climb.")
    factors = f"1 − η/σ̂² = {1 - eta / std**2:.3f} along μ and 1 − 2η = {1 - 2 * eta:.3f} along s"
    require(
        eta < bound_mean,
        f"lr = {eta:g} overshoots in both directions. Near the top each step multiplies the distance to it by "
        f"{factors}; beyond −1 the iterates swing further out each time. Keep η below min(2σ̂², 1) "
        f"= {min(bound_mean, bound_log_std):g} (σ̂ = {std:.1f} here).",
    )
    require(
        eta < bound_log_std,
        f"lr = {eta:g} is past the bound set by s = log σ, whose curvature at the maximum is 2 for any data: each "
        f"step multiplies the distance along s by 1 − 2η = {1 - 2 * eta:.3f}, so s overshoots and, with nothing "
        "infinite, ends in a 2-cycle between two wrong values of σ. Stability needs |1 − 2η| < 1, that is η < 1.",
    )
    return eta


def check_gaussian_ascent(
    log_likelihood_gradient: Callable[..., object], gaussian_ascent: Callable[..., object], lr: object
) -> None:
    r"""The maximum-likelihood Gaussian by gradient ascent on :math:`(\mu, s = \log\sigma)`.

    * ``log_likelihood_gradient(x, mean, log_std)`` returns
      :math:`(\partial\bar\ell/\partial\mu, \partial\bar\ell/\partial s)` of the average log-likelihood at
      ``x`` (1-D float64; ``mean`` and ``log_std`` are 0-d float64 tensors); compared with autograd on
      :func:`ganlib.likelihood.gaussian_log_likelihood` at three points.
    * ``gaussian_ascent(x, steps, lr)`` starts at :math:`\mu = 0, \sigma = 1`, makes ``steps`` ascent
      updates and returns ``(mean, std)``; compared with :func:`ganlib.likelihood.fit_gaussian_gradient_ascent`
      after 1 and 20 steps of ``lr = 0.1``.
    * ``lr`` must lie in the stable range :math:`0 < \eta < \min(2\hat\sigma^2, 1)` derived in notebook 02,
      and 15 steps of it must reach :func:`ganlib.likelihood.gaussian_mle` to within :math:`10^{-6}`: only a step
      size near the one the analysis picks (about 0.48 to 0.73) does.

    The data are 50 fixed points with :math:`\bar x = 1.5` and :math:`\hat\sigma = 0.8`, like the notebook's.
    """
    x = _ascent_data()
    _check_gradient(log_likelihood_gradient, x)
    _check_loop(gaussian_ascent, x)
    mle = gaussian_mle(x)
    eta = _check_step_size(lr, mle.std)
    context = f"gaussian_ascent(x, {_ASCENT_STEPS}, lr)"
    answer = call_learner(gaussian_ascent, x.clone(), _ASCENT_STEPS, eta, context=context)
    mean, std = _pair(answer, "gaussian_ascent", "(mean, std)")
    distance = max(abs(mean - mle.mean), abs(std - mle.std))
    factors = f"|1 − η/σ̂²| = {abs(1 - eta / mle.std**2):.3f} along μ and |1 − 2η| = {abs(1 - 2 * eta):.3f} along s"
    require(
        distance < _ASCENT_TOLERANCE,
        f"lr = {eta:g} is stable but slow: after {_ASCENT_STEPS} steps the fit is still {distance:.1e} from the "
        f"closed-form MLE. Near the top each step multiplies the distance by {factors}; choose η to make the "
        "larger of the two small.",
    )
    passed(
        f"your gradient matches autograd and your loop matches fit_gaussian_gradient_ascent. η = {eta:g} lies in "
        f"0 < η < min(2σ̂², 1) = {min(2 * mle.std**2, 1.0):g}, and {_ASCENT_STEPS} steps reach the closed-form MLE "
        f"(μ̂ = {mle.mean:.1f}, σ̂ = {mle.std:.1f}) to within 10⁻⁶: near the top each step "
        f"multiplies the distance by {factors}."
    )


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


_KL_CASES = ((0.0, 1.0, 0.0, 1.0), (0.0, 1.0, 1.0, 2.0), (1.0, 2.0, 0.0, 1.0), (-1.0, 0.5, 2.0, 1.5), (0.3, 3.0, 0.3, 0.7))


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
