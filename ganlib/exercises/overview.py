r"""Self-checks for notebook 00, *Start here*.

* :func:`check_posterior`: Bayes' rule turns a generative model :math:`P(x \mid y) P(y)` into the
  classifier :math:`P(y \mid x)`;
* :func:`check_taxonomy`: sort six well-known models into the three families of the taxonomy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import torch

from ganlib.exercises import ExerciseError, call_learner, passed, require

# The generative model of the first exercise: P(y = 1) = 0.3, x | y ~ N(mean_y, 1).
PRIOR_1 = 0.3
MEANS = (-1.0, 2.0)

TRACTABLE = "explicit, tractable density"
APPROXIMATE = "explicit, approximate density"
IMPLICIT = "implicit density"

_FAMILIES = {
    "PixelCNN": TRACTABLE,
    "RealNVP": TRACTABLE,
    "VAE": APPROXIMATE,
    "RBM": APPROXIMATE,
    "DDPM": APPROXIMATE,
    "GAN": IMPLICIT,
    "GMMN": IMPLICIT,
}
MODELS = tuple(_FAMILIES)

_HINTS = {
    "PixelCNN": "PixelCNN writes p(x) as a product of conditionals p(x_i | x_<i), each a softmax it computes. "
    "Can you evaluate log p(x) exactly?",
    "RealNVP": "a normalizing flow is an invertible map x = f^-1(z) with a cheap Jacobian determinant, so "
    "p(x) = p_z(f(x)) |det J_f(x)|. Is anything in that formula approximated?",
    "VAE": "a VAE defines p(x) = integral of p(x | z) p(z) dz over a latent z. Can that integral be computed "
    "exactly, or does the VAE train on a bound?",
    "RBM": "a restricted Boltzmann machine writes p(x) = exp(-E(x)) / Z, but Z sums over every possible state. "
    "Is p(x) then exactly computable?",
    "DDPM": "a denoising diffusion model defines p(x) through T noisier latent copies x_1, ..., x_T of x, and "
    "trains on a variational bound over them. Is log p(x) itself computed exactly?",
    "GAN": "a GAN's generator maps noise z to x = G(z). Does it ever write down a formula for p(x)?",
    "GMMN": "a generative moment matching network is a generator x = G(z) trained by comparing samples (MMD). "
    "Does it ever write down a formula for p(x)?",
}


def _log_normal(x: torch.Tensor, mean: float) -> torch.Tensor:
    return -0.5 * (x - mean) ** 2 - 0.5 * math.log(2 * math.pi)


def check_posterior(posterior: Callable[[torch.Tensor], torch.Tensor]) -> None:
    r"""``posterior(x)`` should be :math:`P(y=1 \mid x) = \frac{P(x \mid y=1) P(y=1)}{\sum_k P(x \mid y=k) P(y=k)}`
    for the model above, to 1e-5 on a grid of points in [-5, 6].
    """
    x = torch.linspace(-5.0, 6.0, 221, dtype=torch.float64)
    got = call_learner(
        posterior, x, context="posterior on a tensor",
        advice="It must accept a whole tensor of x values: use torch.exp, not math.exp.",
    )
    require(isinstance(got, torch.Tensor), f"return a tensor, not a {type(got).__name__}.")
    require(got.shape == x.shape, f"one probability per x: expected shape {tuple(x.shape)}, got {tuple(got.shape)}.")
    got = got.double()
    require(bool(torch.isfinite(got).all()), "some values are inf or nan; divide only by quantities that stay positive.")
    log_joint = torch.stack(
        [_log_normal(x, MEANS[0]) + math.log(1 - PRIOR_1), _log_normal(x, MEANS[1]) + math.log(PRIOR_1)]
    )
    expected = torch.softmax(log_joint, dim=0)[1]
    if torch.allclose(got, expected, atol=1e-5):
        crossing = 0.5 * sum(MEANS) + math.log((1 - PRIOR_1) / PRIOR_1) / (MEANS[1] - MEANS[0])
        midpoint = 0.5 * sum(MEANS)
        at_midpoint = float(got[int(torch.argmin((x - midpoint).abs()))])
        passed(
            f"P(y=1 | x) = {at_midpoint:.3f} at the midpoint x = {midpoint:.1f} between the means, where both "
            f"likelihoods are equal, so it is just the prior; it crosses 1/2 further right, at x = {crossing:.3f}, "
            "because y = 1 is the rarer class."
        )
        return
    require(
        bool(((got >= 0) & (got <= 1)).all()),
        "a probability lies in [0, 1], but some of your values do not. Did you return the joint p(x, y=1)? Divide it "
        "by p(x), the sum of the joints over both classes.",
    )
    without_prior = torch.softmax(torch.stack([_log_normal(x, MEANS[0]), _log_normal(x, MEANS[1])]), dim=0)[1]
    require(
        not torch.allclose(got, without_prior, atol=1e-5),
        f"close: this is the posterior for equal classes. Weigh each likelihood P(x | y) by its prior P(y) "
        f"(P(y=1) = {PRIOR_1}).",
    )
    require(not torch.allclose(got, 1 - expected, atol=1e-5), "this is P(y = 0 | x); the question asks for y = 1.")
    worst = int((got - expected).abs().argmax())
    raise ExerciseError(
        f"at x = {float(x[worst]):.2f} your posterior is {float(got[worst]):.4f}. Write out Bayes' rule: the joint "
        "P(x | y=1) P(y=1) divided by the sum of the joints of both classes, with x | y a normal of variance 1."
    )


def check_taxonomy(answer: Mapping[str, str]) -> None:
    """``answer`` maps each name of :data:`MODELS` to ``TRACTABLE``, ``APPROXIMATE`` or ``IMPLICIT``."""
    require(isinstance(answer, Mapping), f"answer should be a dict from model name to family, got {type(answer).__name__}.")
    missing = [name for name in MODELS if name not in answer]
    require(not missing, f"place every model; missing: {', '.join(missing)}.")
    families = (TRACTABLE, APPROXIMATE, IMPLICIT)
    unknown = [name for name in MODELS if answer[name] not in families]
    require(not unknown, f"use the constants TRACTABLE, APPROXIMATE or IMPLICIT as values; check {', '.join(unknown)}.")
    wrong = [name for name in MODELS if answer[name] != _FAMILIES[name]]
    if wrong:
        raise ExerciseError(f"{len(wrong)} of {len(MODELS)} misplaced. {wrong[0]}: {_HINTS[wrong[0]]}")
    passed(
        "two tractable (PixelCNN, RealNVP), three approximate (VAE, RBM, DDPM) and two implicit models (GAN, GMMN). "
        "This course builds approximate-density models (the VAE, 03) and implicit ones (GMMN 04, GANs 05, 06, 08). "
        "Of the tractable kind it has only the simplest case, maximum likelihood for a Gaussian (02): no deep "
        "autoregressive model or flow yet."
    )
