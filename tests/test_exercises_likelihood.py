"""ganlib.exercises.likelihood: right answers pass, typical mistakes get their hint, and the quiz key is true."""

import math
from pathlib import Path

import nbformat
import pytest
import torch

from ganlib.exercises import ExerciseError
from ganlib.exercises.likelihood import (
    _ascent_data,
    check_exponential_mle,
    check_gaussian_ascent,
    check_kl_direction,
    check_kl_normal,
    direction_quiz,
)
from ganlib.likelihood import fit_gaussian_gradient_ascent, gaussian_divergences, gaussian_mle, moment_match

ROOT = Path(__file__).resolve().parent.parent


def kl_right(mu_p, std_p, mu_q, std_q):
    return torch.log(std_q / std_p) + (std_p**2 + (mu_p - mu_q) ** 2) / (2 * std_q**2) - 0.5


def test_exponential_mle_accepts_the_right_estimator(capsys):
    check_exponential_mle(lambda x: 1 / x.mean())
    check_exponential_mle(lambda x: float(len(x) / x.sum()))
    out = capsys.readouterr().out
    assert out.startswith("Correct: ") and out.count("Correct:") == 2
    assert "λ̂ = 1.987" in out


@pytest.mark.parametrize(
    "estimator, hint",
    [
        (lambda x: x.mean(), "sample mean"),
        (lambda x: (len(x) - 1) / x.sum(), "unbiased"),
        (lambda x: 1 / x.median(), "dℓ/dλ"),
        (lambda x: None, "returns None"),
    ],
)
def test_exponential_mle_hints(estimator, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_exponential_mle(estimator)


def test_kl_normal_accepts_torch_and_math_versions(capsys):
    check_kl_normal(kl_right)
    check_kl_normal(lambda a, b, c, d: math.log(d / b) + (b**2 + (a - c) ** 2) / (2 * d**2) - 0.5)
    out = capsys.readouterr().out
    assert out.count("Correct:") == 2 and "0.443" in out and "1.307" in out


@pytest.mark.parametrize(
    "kl_fn, hint",
    [
        (lambda a, b, c, d: kl_right(a, b, c, d) + 0.5, "must be 0"),
        (lambda a, b, c, d: kl_right(c, d, a, b), "KL\\(q‖p\\)"),
        (lambda a, b, c, d: kl_right(a, b, c, d) + torch.log(d / b), "ratio of standard deviations"),
        (lambda a, b, c, d: kl_right(a, b, c, d) * (1 + (a - c) ** 2), "should be"),
    ],
)
def test_kl_normal_hints(kl_fn, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_kl_normal(kl_fn)


@pytest.fixture(scope="module")
def quiz():
    return direction_quiz()


def test_quiz_answer_key_is_true(quiz):
    """A and C really are reverse-KL fits (on one mode), B really is the forward-KL (moment-matching) fit."""
    values = {name: gaussian_divergences(quiz.target, fit.mean, fit.std) for name, fit in quiz.fits.items()}
    theory = moment_match(quiz.target)
    assert quiz.fits["B"].mean == pytest.approx(theory.mean, abs=0.15)
    assert quiz.fits["B"].std == pytest.approx(theory.std, abs=0.15)
    for name in ("A", "C"):
        assert values["B"].forward_kl < values[name].forward_kl
        assert values[name].reverse_kl < values["B"].reverse_kl
        nearest = (quiz.target.means[:, 0] - quiz.fits[name].mean).abs().argmin()
        assert quiz.fits[name].mean == pytest.approx(float(quiz.target.means[nearest, 0]), abs=0.2)
        assert quiz.fits[name].std < 1.0


def test_direction_check(capsys):
    check_kl_direction({"A": "Reverse", "B": "forward ", "C": "reverse"})
    assert capsys.readouterr().out.startswith("Correct: A and C minimise the reverse KL")
    with pytest.raises(ExerciseError, match="fit A: it leaves whole modes"):
        check_kl_direction({"A": "forward", "B": "forward", "C": "reverse"})
    with pytest.raises(ExerciseError, match="fit B: it spreads over the gaps"):
        check_kl_direction({"A": "reverse", "B": "reverse", "C": "reverse"})
    with pytest.raises(ExerciseError, match="'forward' or 'reverse'"):
        check_kl_direction({"A": "KL(p||q)", "B": "forward", "C": "reverse"})
    with pytest.raises(ExerciseError, match="exactly the fits"):
        check_kl_direction({"A": "reverse"})


# The Gaussian MLE by gradient ascent on (μ, s = log σ).


def gradient_right(x, mean, log_std):
    variance = torch.exp(2 * log_std)
    return (x.mean() - mean) / variance, (x - mean).pow(2).mean() / variance - 1


def ascent_with(gradient=gradient_right, sign=1.0):
    """The worked loop, with a chosen gradient and direction (sign -1: descent)."""

    def gaussian_ascent(x, steps, lr):
        mean = log_std = torch.tensor(0.0, dtype=x.dtype)
        for _ in range(steps):
            d_mean, d_log_std = gradient(x, mean, log_std)
            mean, log_std = mean + sign * lr * d_mean, log_std + sign * lr * d_log_std
        return mean, log_std.exp()

    return gaussian_ascent


def solution_cell() -> dict:
    """The names the notebook's worked answer defines, run from the notebook itself."""
    notebook = nbformat.read(ROOT / "notebooks" / "02_mle_and_kl.ipynb", as_version=4)
    cells = [c for c in notebook.cells if "solution" in c.metadata.get("tags", []) and "gaussian_ascent" in c.source]
    assert len(cells) == 1, "one solution cell defines gaussian_ascent"
    names = {"torch": torch, "math": math}
    exec(cells[0].source, names)  # noqa: S102 - our own notebook's solution
    return names


def test_gaussian_ascent_accepts_the_notebooks_answer(capsys):
    names = solution_cell()
    check_gaussian_ascent(names["log_likelihood_gradient"], names["gaussian_ascent"], names["lr"])
    out = capsys.readouterr().out
    assert out.startswith("Correct: your gradient matches autograd")
    assert "η = 0.5 lies in 0 < η < min(2σ̂², 1) = 1" in out and "|1 − η/σ̂²| = 0.219" in out


@pytest.mark.parametrize("lr", [0.5, 0.6, 0.7])
def test_gaussian_ascent_accepts_other_converging_steps(lr, capsys):
    check_gaussian_ascent(gradient_right, ascent_with(), lr)
    assert capsys.readouterr().out.startswith("Correct:")


def sum_gradient(x, mean, log_std):
    variance = torch.exp(2 * log_std)
    return (x - mean).sum() / variance, (x - mean).pow(2).sum() / variance - len(x)


@pytest.mark.parametrize(
    "gradient, hint",
    [
        (sum_gradient, "sums over the n = 50 points"),
        (lambda x, m, s: (gradient_right(x, m, s)[0], (x - m).pow(2).sum() / torch.exp(2 * s) - 1), "sums over"),
        (lambda x, m, s: tuple(-g for g in gradient_right(x, m, s)), "signs are flipped"),
        (lambda x, m, s: (gradient_right(x, m, s)[0], gradient_right(x, m, s)[1] / s.exp()), "∂ℓ̄/∂σ"),
        (lambda x, m, s: (gradient_right(x, m, s)[0], (x - m).pow(2).sum() / (len(x) - 1) / torch.exp(2 * s) - 1), "n − 1"),
        (lambda x, m, s: (gradient_right(x, m, s)[0], x.var() / torch.exp(2 * s) - 1), "n − 1"),
        (lambda x, m, s: (gradient_right(x, m, s)[0], x.var(unbiased=False) / torch.exp(2 * s) - 1), "deviations from x̄"),
        (lambda x, m, s: (x.mean() - m, gradient_right(x, m, s)[1]), "your ∂ℓ̄/∂μ is"),
        (lambda x, m, s: None, "returns None"),
        (lambda x, m, s: (x - m, gradient_right(x, m, s)[1]), "one number each"),
        (lambda x, m, s: (float("nan"), 0.0), "finite"),
    ],
)
def test_gaussian_ascent_gradient_hints(gradient, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_gaussian_ascent(gradient, ascent_with(gradient), 0.5)


def stub(*args):
    raise NotImplementedError("write this function")


def sigma_updated(x, steps, lr):
    mean, std = torch.tensor(0.0, dtype=x.dtype), torch.tensor(1.0, dtype=x.dtype)
    for _ in range(steps):
        d_mean, d_log_std = gradient_right(x, mean, std.log())
        mean, std = mean + lr * d_mean, std + lr * d_log_std
    return mean, std


def gradient_once(x, steps, lr):
    mean = log_std = torch.tensor(0.0, dtype=x.dtype)
    d_mean, d_log_std = gradient_right(x, mean, log_std)
    for _ in range(steps):
        mean, log_std = mean + lr * d_mean, log_std + lr * d_log_std
    return mean, log_std.exp()


@pytest.mark.parametrize(
    "ascent, hint",
    [
        (ascent_with(sign=-1.0), "downhill"),
        (lambda x, steps, lr: (ascent_with()(x, steps, lr)[0], ascent_with()(x, steps, lr)[1].log()), "returned s = log σ"),
        (sigma_updated, "added the step for s to σ itself"),
        (lambda x, steps, lr: ascent_with()(x, steps + 1, lr), "one step with lr = 0.1"),
        (gradient_once, "one step is right, but 20 steps are not"),
        (lambda x, steps, lr: ascent_with()(x, steps, lr)[1], "must return the pair"),
        (stub, "NotImplementedError"),
    ],
)
def test_gaussian_ascent_loop_hints(ascent, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_gaussian_ascent(gradient_right, ascent, 0.5)


@pytest.mark.parametrize(
    "lr, hint",
    [
        (1.1, "2-cycle"),
        (1.0, "2-cycle"),
        (1.5, "overshoots in both directions"),
        (0.0, "must be positive"),
        (-0.1, "must be positive"),
        (0.01, "stable but slow"),
        (0.99, "stable but slow"),
        (0.1, "stable but slow"),  # stable, and would converge in 200 steps: not in 15
        (0.9, "stable but slow"),
        (..., "set `lr` to a number"),
    ],
)
def test_gaussian_ascent_step_size_hints(lr, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_gaussian_ascent(gradient_right, ascent_with(), lr)


@pytest.mark.parametrize("lr, stable", [(0.5, True), (0.9, True), (1.1, False), (1.5, False)])
def test_the_enforced_range_is_where_ganlibs_fit_converges(lr, stable):
    """min(2σ̂², 1) = 1 on the check's data: ganlib's fit reaches the MLE below it and refuses above it."""
    x = _ascent_data()
    mle = gaussian_mle(x)
    assert mle.mean == pytest.approx(1.5, abs=1e-12) and mle.std == pytest.approx(0.8, abs=1e-12)
    if stable:
        fit = fit_gaussian_gradient_ascent(x, steps=200, lr=lr)
        assert fit.mean == pytest.approx(mle.mean, abs=1e-9) and fit.std == pytest.approx(mle.std, abs=1e-9)
    else:
        with pytest.raises(RuntimeError, match="stopped climbing"):
            fit_gaussian_gradient_ascent(x, steps=200, lr=lr)
