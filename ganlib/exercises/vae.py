r"""Self-checks for notebook 03, *Autoencoders and VAEs*.

* :func:`check_kl_term`: the closed-form :math:`\mathrm{KL}(\mathcal N(\mu, \operatorname{diag}\sigma^2) \,\|\, \mathcal N(0, I))`
  of the ELBO, one value per row;
* :func:`check_reparameterise`: the reparameterisation :math:`z = \mu + \sigma \odot \varepsilon`, with
  gradients flowing into :math:`\mu` and :math:`\log \sigma^2`;
* :func:`check_negative_elbo`: the negative ELBO of a batch, from the encoder's outputs, a decoder and fixed noise
  :math:`\varepsilon`, checked against :func:`ganlib.models.vae.vae_loss` on the sample of ``VAE.forward``;
* :func:`check_active_units`: count the latent dimensions whose posterior mean varies with the input
  (Burda et al.'s active units), the other way to see posterior collapse.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from ganlib.checkpoints import pretrained
from ganlib.data.mnist import load_mnist
from ganlib.device import own_rng
from ganlib.exercises import call_learner, passed, require
from ganlib.models.vae import gaussian_kl_to_standard, vae_loss

TENSOR_ADVICE = "It receives whole tensors: use torch.exp, torch.log, .pow(2), .sum(dim=...) rather than math functions."


def _kl_cases() -> tuple[torch.Tensor, torch.Tensor]:
    """Posterior means and log-variances of 6 codes of 4 dimensions, the first one exactly the prior."""
    generator = torch.Generator().manual_seed(0)
    mu = torch.randn(6, 4, generator=generator, dtype=torch.float64)
    logvar = torch.randn(6, 4, generator=generator, dtype=torch.float64)
    mu[0], logvar[0] = 0.0, 0.0
    return mu, logvar


def check_kl_term(kl_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    r"""``kl_fn(mu, logvar)`` must return :math:`\mathrm{KL}(q(z \mid x) \,\|\, p(z))` for each row, shape ``(n,)``.

    ``mu`` and ``logvar`` (:math:`\log \sigma^2`) have shape ``(n, d)``; checked against the closed form on six
    rows (the first one equal to the prior), then against a Monte Carlo estimate.
    """
    mu, logvar = _kl_cases()
    answer = call_learner(kl_fn, mu.clone(), logvar.clone(), advice=TENSOR_ADVICE)
    require(answer is not None, "your function returns None: end it with `return` and the KL values.")
    require(isinstance(answer, torch.Tensor), f"return a tensor, not a {type(answer).__name__}.")
    expected = gaussian_kl_to_standard(mu, logvar)
    require(
        answer.shape == expected.shape,
        f"return one KL per row, shape {tuple(expected.shape)}; got {tuple(answer.shape)}. The KL of a diagonal "
        "Gaussian is a sum over the latent dimensions (dim=1), not over the batch.",
    )
    value = answer.detach().double()
    if torch.allclose(value, expected, rtol=1e-6, atol=1e-9):
        mc = _monte_carlo_kl(mu[1], logvar[1])
        passed(
            f"the closed form matches for all six codes, e.g. {float(expected[1]):.3f} nats for the second one; "
            f"a Monte Carlo average of log q(z|x) − log p(z) over 200,000 draws gives {mc:.3f}."
        )
        return
    require(
        abs(float(value[0])) < 1e-9,
        f"when q(z|x) is the prior itself (μ = 0, log σ² = 0) the KL must be 0, but yours gives {float(value[0]):.4g}: "
        "check the constant term, −1 per dimension.",
    )
    require(
        not torch.allclose(value, 2 * expected, rtol=1e-6),
        "exactly twice the right value: the closed form has a factor ½ in front of the sum.",
    )
    with_plus_log = 0.5 * (mu.pow(2) + logvar.exp() + logvar - 1).sum(dim=1)
    require(
        not torch.allclose(value, with_plus_log, rtol=1e-6),
        "the sign of the log term is off: the KL has −log σ², i.e. −logvar.",
    )
    require(
        False,
        "not the closed form yet. Remember that logvar is log σ², so σ² = exp(logvar), and that each dimension "
        "contributes ½(μ² + σ² − log σ² − 1) (notebook 02's KL of two normals with μ_q = 0, σ_q = 1).",
    )


def _monte_carlo_kl(mu: torch.Tensor, logvar: torch.Tensor, draws: int = 200_000) -> float:
    """Average of log q(z) − log p(z) over draws z ~ q, for one code's mean and log-variance."""
    std = torch.exp(0.5 * logvar)
    z = mu + std * torch.randn(draws, mu.shape[0], generator=torch.Generator().manual_seed(1), dtype=mu.dtype)
    q = torch.distributions.Normal(mu, std)
    prior = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return float((q.log_prob(z) - prior.log_prob(z)).sum(dim=1).mean())


def check_reparameterise(reparameterise: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    r"""``reparameterise(mu, logvar, eps)`` must return :math:`z = \mu + \sigma \odot \varepsilon` with
    :math:`\sigma = \exp(\tfrac12 \log\sigma^2)`, built from the given ``eps`` so that gradients reach
    ``mu`` and ``logvar``.
    """
    generator = torch.Generator().manual_seed(0)
    mu = torch.randn(5, 3, generator=generator, dtype=torch.float64).requires_grad_()
    logvar = torch.randn(5, 3, generator=generator, dtype=torch.float64).requires_grad_()
    eps = torch.randn(5, 3, generator=generator, dtype=torch.float64)
    z = call_learner(reparameterise, mu, logvar, eps, advice=TENSOR_ADVICE)
    require(z is not None, "your function returns None: end it with `return` and the codes z.")
    require(isinstance(z, torch.Tensor), f"return a tensor, not a {type(z).__name__}.")
    require(z.shape == mu.shape, f"one code per row of mu: expected shape {tuple(mu.shape)}, got {tuple(z.shape)}.")
    std = torch.exp(0.5 * logvar)
    expected = mu + std * eps
    if not torch.allclose(z.detach(), expected.detach(), rtol=1e-6):
        again = call_learner(reparameterise, mu, logvar, eps, advice=TENSOR_ADVICE)
        require(
            isinstance(again, torch.Tensor) and torch.equal(again.detach(), z.detach()),
            "two calls with the same eps give different codes: use the eps you are given instead of drawing new noise.",
        )
        require(
            not torch.allclose(z.detach(), (mu + logvar.exp() * eps).detach(), rtol=1e-6),
            "you scaled ε by the variance σ² = exp(logvar); scale it by the standard deviation σ = exp(½·logvar).",
        )
        require(
            not torch.allclose(z.detach(), (mu + logvar * eps).detach(), rtol=1e-6),
            "logvar is log σ², not σ: turn it into the standard deviation with exp(½·logvar) first.",
        )
        require(False, "z should be μ + σ ε with σ = exp(½·logvar): shift the standard normal ε, then scale it.")
    require(z.requires_grad, "z is cut off from the graph (.detach(), .item(), numpy or torch.no_grad): gradients "
            "must flow from z back to mu and logvar, which is the point of the trick.")
    z.sum().backward()
    require(
        mu.grad is not None and logvar.grad is not None,
        "the gradient does not reach mu or logvar: build z from them with tensor operations only.",
    )
    require(
        torch.allclose(mu.grad, torch.ones_like(mu)) and torch.allclose(logvar.grad, 0.5 * std.detach() * eps),
        "the values are right but the gradients are not: compute z as one differentiable expression of mu and logvar.",
    )
    draws = torch.randn(100_000, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    samples = reparameterise(torch.full_like(draws, 2.0), torch.full_like(draws, math.log(0.25)), draws)
    passed(
        f"∂z/∂μ = 1 and ∂z/∂log σ² = ½σε, as expected; with μ = 2, σ = 0.5 and 100,000 draws of ε the codes have "
        f"mean {float(samples.mean()):.3f} and standard deviation {float(samples.std()):.3f}."
    )


Decoder = Callable[[torch.Tensor], torch.Tensor]
NegativeElbo = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, Decoder, torch.Tensor], torch.Tensor]
DECODER_ADVICE = ("decoder(z) returns logits: give them to F.binary_cross_entropy_with_logits, or apply torch.sigmoid "
                  "first.")


def _elbo_slips(x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, decoder: Decoder,
                eps: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
    """The value of each usual slip on these inputs, with its hint."""
    def rec(z: torch.Tensor) -> torch.Tensor:  # -log p(x | z) per image
        return F.binary_cross_entropy_with_logits(decoder(z), x, reduction="none").flatten(1).sum(dim=1)

    z, kl = mu + torch.exp(0.5 * logvar) * eps, gaussian_kl_to_standard(mu, logvar)
    right = rec(z).mean() + kl.mean()
    mixed = "one term is summed over the batch and the other averaged: average both over the images."
    return [
        ("σ is the standard deviation: σ = exp(½·logvar), not exp(logvar), which is the variance.",
         (rec(mu + logvar.exp() * eps) + kl).mean()),
        ("you decode μ itself: the ELBO's reconstruction term is estimated at a sample z = μ + σ ε.",
         (rec(mu) + kl).mean()),
        ("the KL enters with the wrong sign: ELBO = log-likelihood − KL, so −ELBO = cross-entropy + KL.",
         (rec(z) - kl).mean()),
        ("the sign of the log term in the KL is off: ½(μ² + σ² − log σ² − 1).",
         (rec(z) + 0.5 * (mu.pow(2) + logvar.exp() + logvar - 1).sum(dim=1)).mean()),
        ("the KL is twice too large: the closed form has a factor ½ in front of the sum.", (rec(z) + 2 * kl).mean()),
        ("the cross-entropy is averaged over the pixels: sum it over the 784 pixels of each image (nats per image), "
         "then average over the images.", (rec(z) / 784 + kl).mean()),
        ("summed over the batch: the loss is the mean over the images, in nats per image.", x.shape[0] * right),
        (mixed, rec(z).sum() + kl.mean()),
        (mixed, rec(z).mean() + kl.sum()),
        ("that is the ELBO itself; the loss is its negative, −ELBO = cross-entropy + KL.", -right),
        ("the KL term is missing: −ELBO = reconstruction cross-entropy + KL(q(z|x) ‖ N(0, I)).", rec(z).mean()),
    ]


def check_negative_elbo(negative_elbo: NegativeElbo) -> None:
    r"""``negative_elbo(x, mu, logvar, decoder, eps)`` must return the negative ELBO averaged over the batch:

    .. math:: \frac1n \sum_i \Big[-\sum_{\text{pixels}} \log p_\theta(x_i \mid z_i)
              + \mathrm{KL}\big(q_\phi(z \mid x_i) \,\|\, \mathcal N(0, I)\big)\Big],
              \qquad z_i = \mu_i + \exp(\tfrac12 \log\sigma_i^2) \odot \varepsilon_i,

    with a Bernoulli decoder whose ``decoder(z)`` returns logits. Checked in float64 on six validation digits and
    ``vae-mnist``'s encoder outputs, with the noise ``VAE.forward`` draws, against :func:`vae_loss` of that forward.
    """
    with own_rng(0):  # building the network draws initial weights, before the checkpoint's replace them
        model = pretrained("vae-mnist").double()
    x = load_mnist("val", source="subset")[0][:6].double()
    with torch.no_grad(), own_rng(0):
        forward = vae_loss(x, *model(x))
    with torch.no_grad(), own_rng(0):  # the same stream again: the codes and the noise forward drew
        mu, logvar = model.encode(x)
        eps = torch.randn_like(mu)
    with torch.no_grad(), own_rng(1):  # noise the learner draws is not ε, and leaves the caller's stream alone
        answer = call_learner(negative_elbo, x, mu, logvar, model.decoder, eps, advice=DECODER_ADVICE)
        require(answer is not None, "your function returns None: end it with `return` and the loss.")
        require(isinstance(answer, torch.Tensor), f"return a tensor, not a {type(answer).__name__}.")
        value = answer.detach().double()
        expected = forward["loss"]
        if value.numel() == 1 and torch.allclose(value.reshape(()), expected, rtol=1e-6):
            passed(f"−ELBO = {float(expected):.3f} nats per image on six validation digits = reconstruction "
                   f"{float(forward['reconstruction']):.3f} + KL {float(forward['kl']):.3f}, the same as vae_loss "
                   "applied to VAE.forward with the same ε.")
            return
        with own_rng(2):
            again = call_learner(negative_elbo, x, mu, logvar, model.decoder, eps, advice=DECODER_ADVICE)
        require(isinstance(again, torch.Tensor) and torch.equal(again.detach().double(), value),
                "two calls with the same eps give different losses: build z from the eps you are given instead of "
                "drawing new noise (torch.randn_like), so that the loss is a fixed function of its inputs.")
        require(value.numel() != x.shape[0] or not torch.allclose(value.flatten().mean(), expected, rtol=1e-6),
                "one loss per image: return their mean over the batch, a single number.")
        require(value.numel() == 1, f"return a single number (a 0-d tensor), the mean over the batch; got shape "
                f"{tuple(value.shape)}.")
        for hint, slip in _elbo_slips(x, mu, logvar, model.decoder, eps):
            require(not torch.allclose(value.reshape(()), slip, rtol=1e-6), hint)
    require(False, f"your loss is {float(value):.3f}, not the negative ELBO yet. Draw z = μ + σ ε with "
            "σ = exp(½·logvar), sum the cross-entropy of decoder(z) over each image's pixels, add each image's "
            "closed-form KL, and average over the images.")


def _activity_cases() -> torch.Tensor:
    """Posterior means of 400 inputs in 8 dimensions, each varying across the inputs by a known amount.

    Var μ per dimension, exactly: 1, 0.25, 0.04, 0.0225 (active at 0.01), 0.0025, 0.0004, 0 and 0, the last
    with the same mean 0.8 for every input (it carries nothing about x, but its E[μ²] is 0.64). Counts: 4 at
    0.01, 3 at 0.03; by the standard deviation, 6; by E[μ²], 5.
    """
    spread = torch.tensor([1.0, 0.5, 0.2, 0.15, 0.05, 0.02, 0.0, 0.0], dtype=torch.float64)
    offset = torch.tensor([0.0, 0.3, 0.0, -0.2, 0.0, 0.0, 0.0, 0.8], dtype=torch.float64)
    noise = torch.randn(400, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    noise = (noise - noise.mean(dim=0)) / noise.std(dim=0)  # exactly the intended spread of the means
    return offset + spread * noise


def _count(values: torch.Tensor, threshold: float) -> int:
    return int((values > threshold).sum())


def check_active_units(active_units: Callable[[torch.Tensor, float], int]) -> None:
    r"""``active_units(mu, threshold)`` must count the latent dimensions ``j`` whose posterior mean varies
    across the inputs by more than ``threshold``: :math:`A_j = \operatorname{Var}_x \mathbb E_{q(z \mid x)}[z_j]
    = \operatorname{Var}_i \mu_{ij} >` ``threshold`` (Burda, Grosse and Salakhutdinov, 2016, who use 0.01).
    ``mu`` holds one input per row, shape ``(n, d)``.
    """
    mu = _activity_cases()
    answer = call_learner(active_units, mu.clone(), 0.01, advice=TENSOR_ADVICE)
    require(answer is not None, "your function returns None: end it with `return` and the count.")
    require(
        isinstance(answer, int) or (isinstance(answer, torch.Tensor) and answer.numel() == 1),
        f"return one number, the count of active units; got a {type(answer).__name__}"
        + (f" of shape {tuple(answer.shape)}" if isinstance(answer, torch.Tensor) else "")
        + ". Add up a boolean tensor with .sum() and take int(…).",
    )
    count, d = int(answer), mu.shape[1]
    variance = mu.var(dim=0)
    expected = _count(variance, 0.01)
    if count != expected:
        require(count <= d, f"{count} active units out of {d}? Take the variance over the inputs (dim=0), so that "
                "each latent dimension gets one value.")
        require(count != _count(mu.std(dim=0), 0.01), "that compares the standard deviation of μ_j with the threshold; "
                "the activity A_j is the variance.")
        require(count != _count(mu.pow(2).mean(dim=0), 0.01), "E[μ_j²] also counts a dimension whose mean is the same "
                "non-zero number for every input. Such a code tells the decoder nothing about x: measure how μ_j "
                "varies around its own mean.")
        require(False, f"your function finds {count} active units. Take the variance of each column of mu (over the "
                "inputs, dim=0) and count those above the threshold.")
    strict = call_learner(active_units, mu.clone(), 0.03, advice=TENSOR_ADVICE)
    require(int(strict) == _count(variance, 0.03), "with threshold=0.03 the count should drop: use the threshold "
            "argument you are given instead of a fixed number.")
    shown = " ".join(f"{v:.4f}" for v in variance.tolist())
    passed(f"{expected} of the {d} dimensions have Var μ_j > 0.01 (per dimension: {shown}); the last one's mean is "
           "0.8 for every input, so it tells the decoder nothing.")
