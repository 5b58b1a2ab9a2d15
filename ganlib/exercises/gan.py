r"""Self-checks for notebook 05, *Generative adversarial networks*.

* :func:`check_optimal_logit`: for :math:`p_\text{data} = \mathcal N(0, 1)` and :math:`p_g = \mathcal N(\mu, 1)`
  the optimal discriminator is a logistic regression, :math:`D^*(x) = \sigma(w x + b)`; the learner finds
  :math:`w` and :math:`b` as functions of :math:`\mu`;
* :func:`check_gan_step`: one round of the GAN game, a discriminator step then a generator step with the
  non-saturating loss, against ganlib's :meth:`~ganlib.gan.GAN.step`;
* :func:`check_max_likelihood_gradient`: the derivative of the maximum-likelihood generator cost
  :math:`-e^{l}/2` with respect to the discriminator's logit, in closed form as a function of :math:`D = D(G(z))`;
* :func:`check_extragradient`: one extragradient step on :math:`\min_x \max_y xy`, which, unlike plain
  gradient play, converges to the equilibrium;
* :func:`check_mh_gan_acceptance`: the MH-GAN's probability of moving, from the discriminator's outputs at
  the current sample and at the proposal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import nn
from torch.optim import Optimizer

from ganlib.dynamics import generator_loss_gradients, optimal_discriminator, play
from ganlib.exercises import ExerciseError, call_learner, passed, require
from ganlib.gan import GAN, generator_loss_max_likelihood
from ganlib.models.mlp_gan import MLPDiscriminator, MLPGenerator


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


GanStep = Callable[..., object]
Log = list[tuple[str, list[torch.Tensor]]]
_LR, _STALE = 0.1, 0.1  # SGD's step size; the gradient every weight still holds from a "previous round"
_FLOAT32 = ("your losses have only float32 precision but the models are float64: labels made by torch.ones(n) are "
            "float32. Make them with torch.ones_like(logits).")


@contextmanager
def _seeded_float64(seed: int) -> Iterator[None]:
    """Inside: a seeded copy of the global RNG, and float64 by default. Both are restored on leaving."""
    default = torch.get_default_dtype()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.set_default_dtype(torch.float64)
        try:
            yield
        finally:
            torch.set_default_dtype(default)


def _round(step: GanStep) -> tuple[object, Log, list[torch.Tensor]]:
    """``step(G, D, g_optimizer, d_optimizer, real, z)`` once from the fixed start: float64 MLPs, plain SGD
    and a stale gradient of 0.1 in every weight. Returns its result, the log and the weights after it.

    The log holds ``(player, grads)`` each time ``"D"``'s or ``"G"``'s optimiser steps, with the gradients
    it steps on, and ``("G grad", [])`` each time a gradient reaches one of G's weights.
    """
    with _seeded_float64(0):
        G = MLPGenerator(latent_dim=2, data_dim=2, hidden=8, depth=2)
        D = MLPDiscriminator(data_dim=2, hidden=8, depth=2)
        real = 1.0 + 0.5 * torch.randn(16, 2)
    with _seeded_float64(1):
        z = torch.randn(16, G.latent_dim)  # GAN.step's first draw, from the same state
    log: Log = []
    optimisers = []
    for name, model in (("G", G), ("D", D)):
        params = list(model.parameters())
        for p in params:
            p.grad = torch.full_like(p, _STALE)
        optimiser = torch.optim.SGD(params, lr=_LR)
        optimiser.register_step_pre_hook(lambda *_, name=name, params=params: log.append(
            (name, [torch.zeros_like(p) if p.grad is None else p.grad.clone() for p in params])))
        optimisers.append(optimiser)
    for p in G.parameters():
        p.register_post_accumulate_grad_hook(lambda _: log.append(("G grad", [])))
    result = step(G, D, *optimisers, real, z)
    return result, log, [p.detach().clone() for p in (*G.parameters(), *D.parameters())]


def _ganlib_step(loss: str) -> GanStep:
    def step(G: nn.Module, D: nn.Module, g_optimizer: Optimizer, d_optimizer: Optimizer, real: torch.Tensor,
             z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        gan = GAN(generator=G, discriminator=D, g_optimizer=g_optimizer, d_optimizer=d_optimizer, loss=loss)
        with _seeded_float64(1):  # GAN.step draws z itself: from this state it draws the learner's z
            logged = gan.step((real,))
        return logged["d_loss"], logged["g_loss"]

    return step


def _close(mine: list[torch.Tensor], expected: list[torch.Tensor], shift: float = 0.0, scale: float = 1.0) -> bool:
    return all(torch.allclose(a, scale * b + shift, rtol=1e-6, atol=1e-9) for a, b in zip(mine, expected))


def _near(mine: tuple[float, float], expected: tuple[float, float], tolerance: float) -> bool:
    return all(abs(a - b) < tolerance for a, b in zip(mine, expected))


def _grads(log: Log, player: str) -> list[torch.Tensor]:
    return next(grads for name, grads in log if name == player)


def check_gan_step(gan_step: GanStep) -> None:
    r"""``gan_step(G, D, g_optimizer, d_optimizer, real, z)`` must play one round and return ``(d_loss, g_loss)``:
    D descends the BCE of ``real`` (label 1) against ``G(z)`` detached (label 0); then G descends the
    non-saturating :math:`-\log D(G(z))` through the updated D.

    Run once from fixed float64 MLPs, with plain SGD and stale gradients in ``.grad``, and compared with
    ganlib's :meth:`~ganlib.gan.GAN.step` from the same weights, real batch and noise: every weight to 1e-8, and
    both losses. A log of the optimisers' steps and of G's gradients tells which slip it was.
    """
    (d_ref, g_ref), ref_log, ref_weights = _round(_ganlib_step("nonsaturating"))
    minimax_log = _round(_ganlib_step("minimax"))[1]
    try:
        answer, log, weights = _round(lambda *args: call_learner(gan_step, *args, context="gan_step"))
    except ExerciseError as error:
        cause = str(error.__cause__)
        require("a second time" not in cause, "the G step went back through a graph that the D step's backward had "
                "already freed: the D step fed D the fakes without .detach(), or the G step reused D's output from the "
                "D step. Give D the detached fakes in its step, and in the G step call D afresh on the fakes.")
        require("inplace operation" not in cause, "the G step reused D's verdict on the fakes from before "
                "d_optimizer.step() changed D's weights (a stale D). G must be judged by the updated D: call D again.")
        raise
    require(isinstance(answer, (tuple, list)) and len(answer) == 2, f"return the pair (d_loss, g_loss); got {answer!r}.")
    require(all(not isinstance(v, torch.Tensor) or v.dtype == torch.float64 for v in answer), _FLOAT32)
    answer = [v.detach() if isinstance(v, torch.Tensor) else v for v in answer]
    d_loss, g_loss = _number(answer[0], "d_loss"), _number(answer[1], "g_loss")
    names = [name for name, _ in log]
    steps = [name for name in names if name != "G grad"]
    require(bool(steps), "neither optimiser stepped: call d_optimizer.step() and g_optimizer.step().")
    require(steps[0] == "D", "G's optimiser stepped before D's. In a round D moves first, against the current G's "
            "fakes; then G moves against the updated D.")
    require(steps.count("D") == 1, f"d_optimizer.step() was called {steps.count('D')} times. Only G steps in the G "
            "step: its backward also fills D's .grad, but D's weights must stay as D's own step left them.")
    require(steps.count("G") == 1, f"g_optimizer.step() was called {steps.count('G')} times; G moves once per round.")
    require(names.index("D") < (names + ["G grad"]).index("G grad"), "G's weights received gradients in the D step: "
            "D judged G(z) without .detach(), so d_loss.backward() ran on into G, a wasted pass whose gradients "
            "leak into G's update unless something clears them. Detach the fakes for D.")
    d_grads, d_expected = _grads(log, "D"), _grads(ref_log, "D")
    if not _close(d_grads, d_expected):
        require(not _close(d_grads, d_expected, shift=_STALE), "D stepped on its new gradients plus the stale ones "
                "that .grad still held: call d_optimizer.zero_grad() before d_loss.backward().")
        require(not _close(d_grads, d_expected, scale=0.5), "D's gradients are half of ganlib's: its loss is the mean "
                "BCE over the real batch plus the mean BCE over the fake batch, not one mean over both batches together.")
        require(False, "D's gradients are not those of BCE(D(real), 1) + BCE(D(G(z)), 0): check the labels (real 1, "
                "fake 0), that the fakes are G(z) for the given z, and that each term is a mean over its batch.")
    g_grads, g_expected = _grads(log, "G"), _grads(ref_log, "G")
    if not _close(g_grads, g_expected):
        require(not _close(g_grads, g_expected, shift=_STALE), "G stepped on its new gradients plus the stale ones "
                "that .grad still held: call g_optimizer.zero_grad() before g_loss.backward().")
        require(not _close(g_grads, _grads(minimax_log, "G")), "G followed the saturating loss log(1 − D(G(z))), which "
                "stalls when D wins. Use the non-saturating −log D(G(z)): the BCE of D's logits on the fakes against "
                "the label 1 (real).")
        require(False, "G's gradients are not those of −log D(G(z)) through the updated D: label the fakes 1 in G's "
                "BCE, do not detach them in the G step, and call D on them after D's step.")
    require(max((a - b).abs().max().item() for a, b in zip(weights, ref_weights)) < 1e-8, "the gradients are right "
            "but the weights after your step are not ganlib's: step each optimiser once and change no weight by hand.")
    expected = (d_ref.item(), g_ref.item())  # type: ignore[union-attr]
    require(not _near((g_loss, d_loss), expected, 1e-5), "the weights are right but the losses are swapped: "
            "return (d_loss, g_loss).")
    require(_near((d_loss, g_loss), expected, 1e-5), "the weights are right but the losses are not: return the D step's "
            "loss (before D's update) and the G step's loss (through the updated D).")
    require(_near((d_loss, g_loss), expected, 1e-8), _FLOAT32)
    passed(f"one round, D then G, matches ganlib's GAN.step: all {len(torch.cat([w.flatten() for w in weights]))} "
           f"weights agree to 1e-8, and the losses (d_loss {d_loss:.3f}, g_loss {g_loss:.3f}). D's step left G alone, "
           "G's step left D alone, and G was judged by the updated D.")


def check_max_likelihood_gradient(max_likelihood_gradient: Callable[[torch.Tensor], torch.Tensor]) -> None:
    r"""``max_likelihood_gradient`` maps :math:`D = D(G(z))` (a tensor of values in (0, 1)) to the derivative
    of the maximum-likelihood cost :math:`-e^{l}/2` with respect to the logit :math:`l`, where
    :math:`D = \sigma(l)`. Checked against autograd through :func:`ganlib.gan.generator_loss_max_likelihood`,
    then set beside the minimax and non-saturating losses' gradients.
    """
    d = torch.tensor([0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99], dtype=torch.float64)
    logits = torch.logit(d).requires_grad_(True)
    (expected,) = torch.autograd.grad(generator_loss_max_likelihood(logits) * len(d), logits)  # per sample
    answer = call_learner(max_likelihood_gradient, d.clone(), context="max_likelihood_gradient(d)")
    require(isinstance(answer, torch.Tensor), "return a tensor: one derivative per value of D.")
    require(answer.shape == d.shape, f"return one derivative per value of D, shape {tuple(d.shape)}.")
    answer = answer.double()
    if not torch.allclose(answer, expected, rtol=1e-6, atol=1e-9):
        require(
            not torch.allclose(answer, -expected, rtol=1e-6, atol=1e-9),
            "the sign is flipped. The generator *minimises* its cost; differentiate the cost itself.",
        )
        require(
            not torch.allclose(answer, 2 * expected, rtol=1e-6, atol=1e-9),
            "twice the derivative: the cost carries a factor ½.",
        )
        require(
            False,
            "not the derivative yet. The derivative of e^l is e^l; what is e^l when D = σ(l) = 1 / (1 + e^(−l))? "
            "Solve for e^l in terms of D.",
        )
    others = generator_loss_gradients(d)
    low, high = 1, 7  # D = 0.01 and D = 0.99
    passed(
        f"at D(G(z)) = 0.01 the maximum-likelihood cost's gradient is {float(expected[low]):.4f}, weaker still than the "
        f"minimax loss's {float(others['minimax'][low]):.2f} (the non-saturating loss gives "
        f"{float(others['nonsaturating'][low]):.2f}); at D = 0.99 it is {float(expected[high]):.1f}. Its steps come "
        "from the few fakes that D already accepts."
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


def check_mh_gan_acceptance(acceptance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    r"""``acceptance(d_current, d_proposal)`` must return, elementwise, the MH-GAN's probability of moving from
    :math:`x` to :math:`x'` given :math:`D(x)` and :math:`D(x')`:
    :math:`\min\big(1, \frac{D(x') / (1 - D(x'))}{D(x) / (1 - D(x))}\big)`, since :math:`D/(1 - D) = p_\text{data}/p_g`.

    Checked on every pair of a grid of outputs from :math:`10^{-4}` to :math:`1 - 10^{-4}`, in float64.
    """
    d = torch.tensor([1e-4, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1 - 1e-4], dtype=torch.float64)
    current, proposal = d.repeat_interleave(len(d)), d.repeat(len(d))
    answer = call_learner(acceptance, current.clone(), proposal.clone(), advice="it receives two float64 tensors of D's outputs")
    require(isinstance(answer, torch.Tensor) and answer.shape == current.shape,
            f"return one probability per pair, a tensor of shape {tuple(current.shape)}; got {answer!r:.80}.")
    answer = answer.double()
    ratio_of_odds = (proposal / (1 - proposal)) / (current / (1 - current))
    expected = ratio_of_odds.clamp(max=1.0)
    if not torch.allclose(answer, expected, rtol=1e-6, atol=1e-12):
        require(not torch.allclose(answer, (proposal / current).clamp(max=1.0), rtol=1e-6),
                "that compares D(x') with D(x). The density ratio is D/(1 - D), not D: compare the odds.")
        require(not torch.allclose(answer, ratio_of_odds, rtol=1e-6),
                "a probability cannot exceed 1: take the minimum of 1 and the ratio of the odds.")
        require(not torch.allclose(answer, (1 / ratio_of_odds).clamp(max=1.0), rtol=1e-6),
                "the ratio is upside down: moving to a proposal the discriminator finds *more* real must be certain.")
        worst = int((answer - expected).abs().argmax())
        require(False, f"for D(x) = {current[worst]:.4g} and D(x') = {proposal[worst]:.4g} you give {answer[worst]:.6g}, "
                       f"the MH-GAN moves with probability {expected[worst]:.6g}.")
    passed("a proposal the discriminator finds more real than the current sample is always taken; a less real one "
           f"with the ratio of the odds, e.g. {expected[5 * len(d) + 3]:.3f} from D = 0.7 to D = 0.3.")
