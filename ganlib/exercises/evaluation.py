"""Self-checks for notebook 07 (evaluating and comparing generative models)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ganlib.exercises import passed, require
from ganlib.metrics.confidence import classifier_confidence
from ganlib.metrics.frechet import frechet_distance


def check_class_entropy(class_entropy: Callable[[torch.Tensor], float]) -> None:
    r"""``class_entropy(predicted)``: entropy :math:`\sum_k h_k \ln(1/h_k)` in nats of integer class labels 0–9."""
    cases = {
        "all ten digits equally often": (torch.arange(10).repeat(10), math.log(10)),
        "one digit only": (torch.full((50,), 7), 0.0),
        "two digits, half each": (torch.tensor([3, 8] * 20), math.log(2)),
        "three quarters 1s, one quarter 2s": (torch.tensor([1, 1, 1, 2] * 5), -0.75 * math.log(0.75) - 0.25 * math.log(0.25)),
    }
    for name, (labels, expected) in cases.items():
        got = float(class_entropy(labels))
        require(math.isfinite(got), f"{name}: got {got}. A digit that never occurs has h_k = 0 and adds 0 (0 ln 0 = 0): skip it.")
        require(
            abs(got - expected) < 1e-6,
            f"{name}: expected {expected:.4f} nats, got {got:.4f}. Count each digit (torch.bincount with minlength=10), "
            "divide by the number of labels, and use the natural logarithm.",
        )
    passed(f"ln 10 = {math.log(10):.3f} nats for ten equally frequent digits, 0 for one digit.")


def check_frechet_1d(frechet_1d: Callable[[torch.Tensor, torch.Tensor], float]) -> None:
    r"""``frechet_1d(a, b)``: the squared Fréchet distance of 1-D samples, :math:`(\mu_a - \mu_b)^2 + (\sigma_a - \sigma_b)^2`."""
    generator = torch.Generator().manual_seed(7)
    for shift, scale in ((0.0, 1.0), (2.0, 1.0), (0.0, 3.0), (-1.5, 0.5)):
        a = torch.randn(400, generator=generator, dtype=torch.float64)
        b = shift + scale * torch.randn(300, generator=generator, dtype=torch.float64)
        expected = frechet_distance(a[:, None], b[:, None])
        got = float(frechet_1d(a, b))
        require(
            abs(got - expected) < 1e-6 * max(1.0, expected),
            f"for N(0, 1) against N({shift}, {scale}²) samples: expected {expected:.4f}, got {got:.4f}. In 1-D the trace "
            "term is σ_a² + σ_b² − 2 σ_a σ_b; use the sample standard deviation with n − 1 (torch.std's default), "
            "as np.cov does.",
        )
    passed("in one dimension the Fréchet distance is (μ_a − μ_b)² + (σ_a − σ_b)².")


def check_dropped_digits(dropped: torch.Tensor) -> None:
    """``dropped``: at least 1,000 real images of the digits 0–4 only, a generator that has dropped five modes."""
    require(
        isinstance(dropped, torch.Tensor) and dropped.ndim == 4 and tuple(dropped.shape[1:]) == (1, 28, 28),
        "dropped should be a tensor of images shaped (n, 1, 28, 28): index the training images with a boolean mask.",
    )
    require(dropped.shape[0] >= 1000, f"evaluate(n=1000) needs at least 1,000 images; got {dropped.shape[0]}.")
    shares = classifier_confidence(dropped)
    missing = sum(shares[f"digit_{k}"] for k in range(5, 10))
    require(missing < 0.02, f"{missing:.0%} of the images are classified as 5–9; keep only labels < 5.")
    require(
        all(shares[f"digit_{k}"] > 0.1 for k in range(5)),
        "keep every one of the digits 0 to 4, each about as often as in the data, not a subset of them.",
    )
    passed(f"class entropy {shares['class_entropy']:.3f} nats, close to ln 5 = {math.log(5):.3f}: five modes are missing.")
