"""ganlib.exercises.gan: right answers pass, typical mistakes get their hint, wrong answers never pass."""

import pytest
import torch

from ganlib.exercises import ExerciseError
from ganlib.exercises.gan import check_extragradient, check_loss_gradients, check_optimal_logit


def test_optimal_logit_right_answer_passes(capsys):
    check_optimal_logit(lambda mu: (-mu, mu**2 / 2))
    assert capsys.readouterr().out.startswith("Correct: D*(x) = σ(-1·x + 0.5)")


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda mu: (-mu, -(mu**2) / 2), "w is right but b is not"),
        (lambda mu: (mu, -(mu**2) / 2), "wrong sign"),
        (lambda mu: (-2 * mu, mu**2), "the x² terms cancel"),
        (lambda mu: -mu, "return the pair"),
        (lambda mu: (float("nan"), 0.0), "finite"),
        (lambda mu: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_optimal_logit_mistakes_get_hints(answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_optimal_logit(answer)


def test_loss_gradients_right_answer_passes(capsys):
    check_loss_gradients(lambda d: -d, lambda d: d - 1)
    out = capsys.readouterr().out
    assert "minimax gradient is -0.01 and the non-saturating one -0.99" in out and "99 times" in out


@pytest.mark.parametrize(
    ("minimax", "nonsaturating", "hint"),
    [
        (lambda d: d, lambda d: d - 1, "minimax: the sign is flipped"),
        (lambda d: -d, lambda d: 1 - d, "nonsaturating: the sign is flipped"),
        (lambda d: d - 1, lambda d: d - 1, "minimax: that is the magnitude of the nonsaturating"),
        (lambda d: -d, lambda d: -d, "nonsaturating: that is the magnitude of the minimax"),
        (lambda d: -d * (1 - d), lambda d: d - 1, "minimax: not the derivative yet"),
        (lambda d: -d[:3], lambda d: d - 1, "one derivative per value"),
        (lambda d: [0.0], lambda d: d - 1, "return a tensor"),
    ],
)
def test_loss_gradients_mistakes_get_hints(minimax, nonsaturating, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_loss_gradients(minimax, nonsaturating)


def extragradient(x, y, lr):
    trial_x, trial_y = x - lr * y, y + lr * x
    return x - lr * trial_y, y + lr * trial_x


def test_extragradient_right_answer_passes(capsys):
    check_extragradient(extragradient)
    out = capsys.readouterr().out
    assert out.startswith("Correct: after 300 steps") and "0.9950 per step" in out and "√(1 + η²) = 1.0050" in out


@pytest.mark.parametrize(
    ("step", "hint"),
    [
        (lambda x, y, lr: (x - lr * y, y + lr * x), "one plain simultaneous step"),
        (lambda x, y, lr: ((x - lr * y) - lr * (y + lr * x), (y + lr * x) + lr * (x - lr * y)), "original"),
        (lambda x, y, lr: (x + lr * (y + lr * x), y - lr * (x - lr * y)), "step 1 gives"),
        (lambda x, y, lr: (0.0, 0.0), "step 1 gives"),
        (lambda x, y, lr: x, "return the pair"),
    ],
)
def test_extragradient_mistakes_get_hints(step, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_extragradient(step)


def test_alternating_steps_do_not_pass():
    """Alternating play is a different method (it circles forever); it must not pass for extragradient."""

    def alternating(x, y, lr):
        x = x - lr * y
        return x, y + lr * x

    with pytest.raises(ExerciseError, match="step 1 gives"):
        check_extragradient(alternating)


def test_checks_accept_float32_answers():
    check_loss_gradients(lambda d: -d.float(), lambda d: (d - 1).float())
    check_optimal_logit(lambda mu: (torch.tensor(-mu), torch.tensor(mu**2 / 2)))
