"""Self-checks for notebook 07 (evaluating and comparing generative models)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from scipy.linalg import sqrtm

from ganlib.exercises import ExerciseError, call_learner, passed, require
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
            f"for N(0, 1) against N({shift}, {scale}²) samples: expected {expected:.4f}, got {got:.4f}. In 1-D each "
            "covariance is a variance σ², and the square root of σ_a² σ_b² is σ_a σ_b: what is left of the trace "
            "term? Use the sample standard deviation with n − 1 (torch.std's default), as np.cov does.",
        )
    passed("in one dimension the Fréchet distance is (μ_a − μ_b)² + (σ_a − σ_b)². With the same mean, spreads 1 and 2 "
           "are 1 apart and spreads 10 and 20 are 100 apart: it grows with the square of the features' scale, so "
           "Fréchet distances compare only within one feature space.")


MEASURES = ("confident", "class_entropy", "frechet_ratio", "precision", "recall")
_WHY = {  # what each measure sees of a perfect generator of the digits 0-4, for the hints
    "confident": "every sample is a real digit, which the classifier reads as easily as any other",
    "precision": "precision asks whether each sample lies near the real data, and every sample is a real digit",
    "class_entropy": "the classifier's verdicts now spread over five digits instead of ten",
    "recall": "recall asks whether each real image lies near some sample, and no sample lies near a 5, 6, 7, 8 or 9",
    "frechet_ratio": "the Fréchet distance compares the mean and covariance of all the features, and five digits "
    "have another mean than ten",
}
_HURT = {"class_entropy", "recall", "frechet_ratio"}


def check_dropped_digits(dropped: torch.Tensor, hurt: object) -> None:
    """``dropped``: at least 1,000 real images of the digits 0–4 only, a generator that has dropped five modes;
    ``hurt``: the learner's prediction, the set of the table's measures (:data:`MEASURES`) that such a
    generator makes worse. Every wrong choice gets the reason it is wrong."""
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
    require(
        isinstance(hurt, (set, frozenset, list, tuple)) and all(isinstance(name, str) for name in hurt),
        "set `hurt` to a set of measure names, for example {\"precision\"}.",
    )
    unknown = set(hurt) - set(MEASURES)
    require(not unknown, f"unknown measure(s) {sorted(unknown)}: choose among {', '.join(MEASURES)}.")
    wrongly_hurt, overlooked = set(hurt) - _HURT, _HURT - set(hurt)
    for name in sorted(wrongly_hurt):
        require(False, f"{name} is not hurt: {_WHY[name]}.")
    for name in sorted(overlooked):
        require(False, f"you left out one measure that is hurt: {_WHY[name]}.")
    passed(f"class entropy {shares['class_entropy']:.3f} nats, close to ln 5 = {math.log(5):.3f}: five modes are missing, "
           "and you predicted which measures notice. The cell below measures them.")


_FRECHET_ADVICE = (
    "It gets two float64 tensors a (n, d) and b (m, d), one sample per row (n and m may differ). torch.cov and np.cov "
    "treat rows as variables unless told otherwise: use torch.cov(a.T) or np.cov(a, rowvar=False)."
)


def _clouds(seed: int, d: int = 5, n: int = 600, m: int = 400) -> tuple[torch.Tensor, torch.Tensor]:
    """Two float64 Gaussian clouds ``(n, d)`` and ``(m, d)`` with different means and non-commuting covariances."""
    generator = torch.Generator().manual_seed(seed)

    def cloud(rows: int) -> torch.Tensor:
        mixing = torch.randn(d, d, generator=generator, dtype=torch.float64)
        mean = 2 * torch.randn(d, generator=generator, dtype=torch.float64)
        return torch.randn(rows, d, generator=generator, dtype=torch.float64) @ mixing + mean

    return cloud(n), cloud(m)


def _trace_sqrt(product: np.ndarray) -> float:
    r""":math:`\operatorname{tr} P^{1/2} = \sum_i \sqrt{\lambda_i}` for :math:`P = \Sigma_a \Sigma_b`, whose eigenvalues are real and >= 0."""
    return float(np.sqrt(np.linalg.eigvals(product).real.clip(min=0)).sum())


def _frechet_slips(a: torch.Tensor, b: torch.Tensor) -> list[tuple[float, str]]:
    """The value on ``a, b`` of each usual wrong version of the Fréchet distance, with the hint that names it."""
    x, y = a.numpy(), b.numpy()
    mean2 = float(((x.mean(axis=0) - y.mean(axis=0)) ** 2).sum())
    cov_a, cov_b = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    traces = float(np.trace(cov_a) + np.trace(cov_b))
    biased_a, biased_b = np.cov(x, rowvar=False, ddof=0), np.cov(y, rowvar=False, ddof=0)
    d2 = mean2 + traces - 2 * _trace_sqrt(cov_a @ cov_b)
    with np.errstate(invalid="ignore"):  # a negative diagonal entry gives NaN, as the learner's would
        entrywise = float(np.sqrt(np.diag(cov_a @ cov_b)).sum())
    return [
        (math.sqrt(mean2) + traces - 2 * _trace_sqrt(cov_a @ cov_b),
         "your mean term is the length ‖μ_a − μ_b‖; the formula has its square, the sum of the squared differences."),
        (mean2 + traces - 2 * entrywise,
         "your trace term takes square roots entry by entry (torch.sqrt or np.sqrt of a matrix). (Σ_a Σ_b)^{1/2} is "
         "the matrix square root, the matrix R with R @ R = Σ_a Σ_b: use scipy.linalg.sqrtm or the eigenvalues of Σ_a Σ_b."),
        (mean2 + traces - 2 * float(np.trace(sqrtm(cov_a) @ sqrtm(cov_b)).real),
         "you multiply the square roots Σ_a^{1/2} Σ_b^{1/2}; that equals (Σ_a Σ_b)^{1/2} only when the two matrices "
         "commute. Take the square root of the product Σ_a Σ_b."),
        (mean2 + traces - 2 * float(np.trace(cov_a @ cov_b)),
         "your trace term uses Tr(Σ_a Σ_b) itself: the formula takes the trace of its matrix square root."),
        (mean2 + float(np.trace(biased_a) + np.trace(biased_b)) - 2 * _trace_sqrt(biased_a @ biased_b),
         "your covariances divide by n; ganlib's divide by n − 1 (the unbiased estimate, the default of torch.cov "
         "and np.cov). Use that convention."),
        (math.sqrt(max(d2, 0.0)),
         "your value is the square root of the expected one: return d², the squared distance, as ganlib's "
         "frechet_distance and the FID do."),
    ]


def _real_number(value: object) -> float:
    """The learner's answer as a float, refusing complex numbers (``float`` would silently drop their imaginary part)."""
    require(value is not None, "your function returned None: return the squared distance as a float.")
    if isinstance(value, torch.Tensor):
        require(value.numel() == 1, f"return one number (a float), not a tensor of shape {tuple(value.shape)}.")
        is_complex = value.is_complex()
    else:
        require(np.ndim(value) == 0, f"return one number (a float), not an array of shape {np.shape(value)}.")
        is_complex = np.iscomplexobj(value)
    require(
        not is_complex,
        "your function returned a complex number. scipy.linalg.sqrtm and torch.linalg.eigvals can return complex "
        "results whose imaginary parts are rounding noise: keep the real part (.real) before taking the trace or summing.",
    )
    return float(value)


def check_frechet_distance(frechet: Callable[[torch.Tensor, torch.Tensor], float]) -> None:
    r"""``frechet(a, b)``: :math:`\lVert \mu_a - \mu_b \rVert^2 + \operatorname{tr}(\Sigma_a + \Sigma_b - 2 (\Sigma_a \Sigma_b)^{1/2})`
    for features ``a`` (n, d) and ``b`` (m, d), covariances divided by n − 1, against ganlib's ``frechet_distance``."""
    first, second = _clouds(seed=0), _clouds(seed=1)
    shift = torch.tensor([3.0, 4.0, 0.0, 0.0, 0.0], dtype=torch.float64)
    cases = {
        "two clouds in 5-D": first,
        "two other clouds in 5-D": second,
        "a cloud and the same cloud shifted by s = (3, 4, 0, 0, 0)": (first[0], first[0] + shift),
    }
    for name, (a, b) in cases.items():
        expected = frechet_distance(a, b)
        got = _real_number(call_learner(frechet, a.clone(), b.clone(), context="your Fréchet distance", advice=_FRECHET_ADVICE))
        if math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-6):
            continue
        require(
            not math.isnan(got),
            f"{name}: your function returned NaN. A square root taken entry by entry (torch.sqrt or np.sqrt of a "
            "matrix) gives NaN on negative entries: (Σ_a Σ_b)^{1/2} is a matrix square root. If you take square roots of "
            "eigenvalues, clamp the ones that rounding made slightly negative to 0.",
        )
        for value, hint in _frechet_slips(a, b):
            if math.isclose(got, value, rel_tol=1e-6, abs_tol=1e-6):
                raise ExerciseError(f"{name}: {hint}")
        raise ExerciseError(
            f"{name}: expected {expected:.4f}, got {got:.4f}. Check the three parts: ‖μ_a − μ_b‖² (a sum of "
            "squares), Tr Σ_a + Tr Σ_b, and 2 Tr (Σ_a Σ_b)^{1/2} with a matrix square root, subtracted."
        )
    passed("your distance matches ganlib's frechet_distance on two pairs of 5-D clouds, and a shift by s alone gives ‖s‖² = 25.")
