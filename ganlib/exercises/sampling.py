r"""Self-checks for notebook 01, *Sampling*.

* :func:`check_cauchy_inverse_cdf`: the inverse CDF of the standard Cauchy distribution;
* :func:`check_accept_reject`: one round of rejection sampling, against :func:`ganlib.sampling.rejection_step`;
* :func:`check_best_envelope`: the smallest :math:`M` for a standard normal target under a Cauchy proposal;
* :func:`check_mh_step`: one Metropolis–Hastings step of many chains, against :func:`ganlib.sampling.metropolis_step`;
* :func:`check_step_size_tuner`: a function that finds a Metropolis–Hastings step size with a given acceptance
  rate, for targets of any scale.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ganlib.data.toy import gaussian_mixture_1d
from ganlib.exercises import ExerciseError, call_learner, passed, require
from ganlib.sampling import (
    inverse_transform,
    metropolis_hastings,
    metropolis_step,
    rejection_sample,
    rejection_step,
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


def _log_mixture(x: torch.Tensor) -> torch.Tensor:
    """Log density of the course's bimodal mixture in float64, one value per element of ``x``."""
    mixture = gaussian_mixture_1d()
    components = torch.distributions.Normal(mixture.means[:, 0].double(), mixture.stds.double())
    return torch.logsumexp(components.log_prob(x[..., None]) + mixture.weights.double().log(), dim=-1)


def _first_match(answer: torch.Tensor, slips: dict[str, torch.Tensor]) -> None:
    """Raise the hint of the first known slip whose result ``answer`` reproduces exactly."""
    for hint, wrong in slips.items():
        if answer.shape == wrong.shape and torch.equal(answer, wrong):
            raise ExerciseError(hint)


def _call_twice(function: Callable[..., object], args: tuple, context: str, advice: str) -> torch.Tensor:
    """The learner's result on ``args``, checked to be a tensor (not a mask) that depends only on them and
    leaves them unchanged."""
    copies = tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args)
    answer = call_learner(function, *copies, context=context, advice=advice)
    require(isinstance(answer, torch.Tensor), f"return a tensor, not a {type(answer).__name__}.")
    changed = any(isinstance(a, torch.Tensor) and not torch.equal(a, b) for a, b in zip(args, copies))
    require(not changed, "your function changed one of its input tensors in place; leave them as they are "
            "and build the result as a new tensor (indexing with a mask or torch.where does that).")
    require(answer.dtype != torch.bool, "you returned a mask of True/False; return the samples (or states) themselves.")
    again = call_learner(function, *args, context=context, advice=advice)
    require(
        isinstance(again, torch.Tensor) and again.shape == answer.shape
        and torch.allclose(again.double(), answer.double(), rtol=0, atol=0, equal_nan=True),
        "two calls on the same inputs gave different results: your function draws random numbers of its own. "
        "All the randomness is in the arguments: use the u you are given.",
    )
    return answer.double()


def check_accept_reject(accept_reject: Callable[..., torch.Tensor]) -> None:
    r"""``accept_reject(x, u, target_pdf, proposal_pdf, M)`` must return the proposals ``x`` that one round of
    rejection sampling keeps, in order, exactly as :func:`ganlib.sampling.rejection_step` does. Fixed inputs:
    3,000 proposals from :math:`q = \mathcal N(0, 2^2)` and uniforms, the course's bimodal target, :math:`M = 3`.
    """
    generator = torch.Generator().manual_seed(1)
    x = 2.0 * torch.randn(3000, generator=generator, dtype=torch.float64)
    u = torch.rand(3000, generator=generator, dtype=torch.float64)
    M = 3.0
    target_pdf = lambda v: _log_mixture(v).exp()  # noqa: E731
    proposal_pdf = lambda v: torch.exp(-0.5 * (v / 2) ** 2) / (2 * math.sqrt(2 * math.pi))  # noqa: E731
    answer = _call_twice(
        accept_reject, (x, u, target_pdf, proposal_pdf, M), "accept_reject(x, u, target_pdf, proposal_pdf, M)",
        "It receives whole tensors x and u: use tensor operations and a boolean mask, not Python's if or min.",
    )
    kept = rejection_step(x, u, target_pdf, proposal_pdf, M)
    if answer.shape == kept.shape and torch.equal(answer, kept):
        mixture = gaussian_mixture_1d()
        passed(
            f"you keep the same {len(kept):,} of {len(x):,} proposals as ganlib.sampling.rejection_step, in order: "
            f"acceptance rate {len(kept) / len(x):.3f} (1/M = {1 / M:.3f}); their mean is {float(kept.mean()):.3f} "
            f"(exact {float(mixture.weights @ mixture.means[:, 0]):.3f})."
        )
        return
    require(answer.ndim == 1, f"return a 1-D tensor of the kept proposals; yours has shape {tuple(answer.shape)}.")
    p, q = target_pdf(x), proposal_pdf(x)
    _first_match(answer, {
        "you kept every proposal. The acceptance probability p(x) / (M q(x)) is at most 1, and x is kept only when "
        "u falls below it (a ratio M q(x) / p(x) would be upside down).": x,
        "you kept exactly the proposals that should be rejected: keep x when u is *below* the acceptance "
        "probability p(x) / (M q(x)), since P(u < a) = a.": x[u >= p / (M * q)],
        "your acceptance probability ignores M: it is p(x) / (M q(x)), which is at most 1 because M q is an "
        "envelope of p. Without M it exceeds 1 wherever p > q, and the kept points no longer follow p.": x[u < p / q],
        "M belongs under p, next to q: the acceptance probability is p(x) / (M q(x)), not "
        "M p(x) / q(x).": x[u < M * p / q],
        "you compared u with the *log* of the acceptance probability. Compare u with p(x) / (M q(x)) itself, "
        "or log u with its log.": x[u < torch.log(p / (M * q))],
    })
    require(
        len(answer) != len(x),
        "you returned one value per proposal; drop the rejected proposals instead of replacing them.",
    )
    if len(answer) == len(kept) and torch.equal(answer.sort().values, kept.sort().values):
        raise ExerciseError("you keep the right proposals, but not in the order they were proposed: keep that order.")
    raise ExerciseError(
        f"you kept {len(answer):,} of the {len(x):,} proposals; the rule of the derivation keeps {len(kept):,}. "
        "Keep x_i when u_i M q(x_i) lies below p(x_i), and return the kept x_i in order."
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


def check_mh_step(mh_step: Callable[..., torch.Tensor]) -> None:
    r"""``mh_step(x, log_target, noise, u)`` must return the states after one random-walk Metropolis–Hastings step
    of a batch of 1-D chains, exactly as :func:`ganlib.sampling.metropolis_step`: fixed states, steps and
    uniforms for 2,000 chains on the course's bimodal target. Then 1,000 chains started at
    :math:`x_0 = 10` run 300 of the learner's steps, and their end points should split between the modes as
    :math:`p` does.
    """
    generator = torch.Generator().manual_seed(2)
    x = 3.0 * torch.randn(2000, generator=generator, dtype=torch.float64)
    noise = 2.5 * torch.randn(2000, generator=generator, dtype=torch.float64)
    u = torch.rand(2000, generator=generator, dtype=torch.float64)
    context = "mh_step(x, log_target, noise, u)"
    advice = ("It receives a whole batch of chains: use tensor operations (comparisons, torch.where, torch.minimum) "
              "rather than Python's if, min or math functions. A probability must be at most 1: min(1, ratio).")
    answer = _call_twice(mh_step, (x, _log_mixture, noise, u), context, advice)
    expected, _, accepted = metropolis_step(x, _log_mixture, noise, u)
    if not (answer.shape == expected.shape and torch.equal(answer, expected)):
        shapes = f"expected shape {tuple(x.shape)}, got {tuple(answer.shape)}"
        require(answer.shape == x.shape, f"return one new state per chain: {shapes}.")
        proposal, log_p = x + noise, _log_mixture(x)
        log_ratio = _log_mixture(proposal) - log_p
        _first_match(answer, {
            "no chain moved: move to the proposal x' = x + noise when u < min(1, p(x') / p(x)).": x,
            "every chain moved to its proposal: accept only when u < min(1, p(x') / p(x)), and otherwise "
            "stay at x.": proposal,
            "you accepted the proposals that should be rejected and the other way round: move when u is *below* "
            "the acceptance probability min(1, p(x') / p(x)).": torch.where(torch.log(u) >= log_ratio, proposal, x),
            "your ratio is upside down: the acceptance probability is min(1, p(x') / p(x)), the proposal's density "
            "over the current one.": torch.where(torch.log(u) < -log_ratio, proposal, x),
            "you compared u with the *difference of log densities*. Compare log u with log p(x') - log p(x), or "
            "u with the ratio p(x') / p(x) = exp(log p(x') - log p(x)).": torch.where(u < log_ratio, proposal, x),
            "log_target returns log densities: p(x') / p(x) is exp(log p(x') - log p(x)), not a quotient of the "
            "logs.": torch.where(u < _log_mixture(proposal) / log_p, proposal, x),
            "the proposal is x' = x + noise, a step away from the current state, not the noise "
            "itself.": torch.where(torch.log(u) < _log_mixture(noise) - log_p, noise, x),
        })
        require(
            torch.equal(answer[accepted], proposal[accepted]),
            "some chains whose proposal should be accepted did not move to x' = x + noise: move when "
            "u < min(1, p(x') / p(x)).",
        )
        stays, jumps = answer[~accepted] == x[~accepted], answer[~accepted] == proposal[~accepted]
        require(
            bool((stays | jumps).all()),
            "the accepted chains are right, but a rejected proposal must leave the chain where it was: "
            "return x itself for those chains, not a new value.",
        )
        raise ExerciseError(
            f"{int(jumps.sum())} chains moved although their proposal should be rejected: move only when "
            "u < min(1, p(x') / p(x)), i.e. when log u < log p(x') - log p(x)."
        )
    chains = torch.full((1000,), 10.0, dtype=torch.float64)
    walk = torch.Generator().manual_seed(3)
    for _ in range(300):
        noise = 2.5 * torch.randn(1000, generator=walk, dtype=torch.float64)
        chains = call_learner(
            mh_step, chains, _log_mixture, noise, torch.rand(1000, generator=walk, dtype=torch.float64),
            context=context, advice=advice,
        )
    left = float((chains < -0.5).double().mean())
    exact = float(gaussian_mixture_1d().cdf(torch.tensor([-0.5])))
    passed(
        f"your step gives the same new states as ganlib.sampling.metropolis_step for 2,000 chains "
        f"({int(accepted.sum()):,} of them move). 1,000 chains started at x0 = 10 and run for 300 of your steps "
        f"end left of x = -0.5 in a fraction {left:.3f} of cases (exact {exact:.3f})."
    )


_TUNER_TARGETS = (  # (name, log density up to a constant, acceptance rate to tune for)
    ("the bimodal mixture", None, 0.44),
    ("N(0, 0.1²)", lambda x: -0.5 * (x / 0.1).pow(2).sum(), 0.44),
    ("N(0, 10²)", lambda x: -0.5 * (x / 10.0).pow(2).sum(), 0.3),
)
_TUNER_TOLERANCE = 0.05


def check_step_size_tuner(tune_step_size: Callable[..., object]) -> None:
    r"""``tune_step_size(log_target, target_rate)`` must return a step size at which random-walk
    Metropolis–Hastings from :math:`x_0 = 0` accepts ``target_rate`` of its proposals, to within 0.05.

    It is tried on three targets whose widths differ a hundredfold: ``gaussian_mixture_1d()`` (rate 0.44,
    the one-dimensional optimum of Gelman, Roberts and Gilks), :math:`\mathcal N(0, 0.1^2)` (0.44) and
    :math:`\mathcal N(0, 10^2)` (0.3). Each answer is judged by a fresh 5,000-step chain with a fixed seed;
    on the mixture, after 500 steps of burn-in, the chain must also spend about the right fraction of its
    time in the left mode.
    """
    mixture = gaussian_mixture_1d()
    found = []
    for name, log_target, rate in _TUNER_TARGETS:
        is_mixture = log_target is None
        log_target = mixture.log_prob if is_mixture else log_target
        answer = call_learner(tune_step_size, log_target, rate, context=f"tune_step_size(log_target of {name}, {rate})")
        step_size = _as_number(answer, "what tune_step_size returns")
        chain, measured = metropolis_hastings(log_target, 0.0, 5000, step_size, torch.Generator().manual_seed(0))
        if measured > rate + _TUNER_TOLERANCE:
            raise ExerciseError(
                f"for {name} and a target rate of {rate}, your step size {step_size:.3g} is accepted {measured:.3f} of "
                "the time: too timid. Does your search move to larger steps when the rate is too high, and does its "
                "range reach far enough?"
            )
        if measured < rate - _TUNER_TOLERANCE:
            raise ExerciseError(
                f"for {name} and a target rate of {rate}, your step size {step_size:.3g} is accepted only {measured:.3f} "
                "of the time: too bold. Does your search move to smaller steps when the rate is too low, and does its "
                "range reach small enough steps?"
            )
        found.append(f"{name}: s = {step_size:.3g}, rate {measured:.3f} (target {rate})")
        if is_mixture:
            kept = chain[500:]
            left = float((kept < -0.5).double().mean())
            exact = float(mixture.cdf(torch.tensor([-0.5])))
            require(
                abs(left - exact) < 0.1,
                f"on the mixture the chain spends {left:.3f} of its time left of x = -0.5, but the target puts "
                f"{exact:.3f} of its mass there: it does not move between the two modes often enough.",
            )
            found[-1] += f", {left:.3f} of its time left of x = −0.5 (exact {exact:.3f})"
    passed("your tuner finds the step for targets a hundredfold apart in width. " + "; ".join(found) + ".")