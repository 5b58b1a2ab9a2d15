"""ganlib.exercises.gan: right answers pass, typical mistakes get their hint, wrong answers never pass."""

import pytest
import torch
import torch.nn.functional as F

from ganlib.exercises import ExerciseError
from ganlib.exercises.gan import (
    check_extragradient,
    check_gan_step,
    check_max_likelihood_gradient,
    check_mh_gan_acceptance,
    check_optimal_logit,
)


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


def _bce(logits, label):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, label))


def gan_step(G, D, g_optimizer, d_optimizer, real, z):
    """Notebook 05's worked answer."""
    fake = G(z)
    real_logits, fake_logits = D(real), D(fake.detach())
    d_loss = _bce(real_logits, 1.0) + _bce(fake_logits, 0.0)
    d_optimizer.zero_grad()
    d_loss.backward()
    d_optimizer.step()
    g_loss = _bce(D(fake), 1.0)
    g_optimizer.zero_grad()
    g_loss.backward()
    g_optimizer.step()
    return d_loss, g_loss


def slipped_step(slip):
    """``gan_step`` with one of the usual mistakes, named by ``slip``."""

    def step(G, D, g_optimizer, d_optimizer, real, z):
        fake = G(z)
        stale_logits = D(fake) if slip == "stale D" else None
        if slip == "G first":
            g_loss = _bce(D(fake), 1.0)
            g_optimizer.zero_grad()
            g_loss.backward()
            g_optimizer.step()
        real_logits, fake_logits = D(real), D(fake if slip.startswith("no detach") else fake.detach())
        if slip == "one BCE over both batches":
            logits = torch.cat([real_logits, fake_logits])
            d_loss = F.binary_cross_entropy_with_logits(logits, torch.cat([torch.ones(16), torch.zeros(16)]).double())
        elif slip == "float32 labels":
            d_loss = F.binary_cross_entropy_with_logits(real_logits, torch.ones(16)) + _bce(fake_logits, 0.0)
        else:
            d_loss = _bce(real_logits, 1.0) + _bce(fake_logits, 0.0)
        if slip != "no D zero_grad":
            d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
        if slip == "G first":
            return d_loss, g_loss
        logits = {"stale D": stale_logits, "D step's output": fake_logits}.get(slip)
        logits = D(G(z) if slip == "no detach, fresh fakes for G" else fake) if logits is None else logits
        g_loss = -F.softplus(logits).mean() if slip == "saturating" else _bce(logits, 1.0)
        if slip != "no G zero_grad":
            g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
        if slip == "D steps twice":
            d_optimizer.step()
        return (g_loss, d_loss) if slip == "swapped" else (d_loss, g_loss)

    return step


def test_gan_step_right_answer_passes(capsys):
    state = torch.get_rng_state()
    check_gan_step(gan_step)
    out = capsys.readouterr().out
    assert out.startswith("Correct: one round, D then G, matches ganlib's GAN.step: all 219 weights agree to 1e-8")
    assert torch.equal(torch.get_rng_state(), state) and torch.get_default_dtype() == torch.float32


def test_gan_step_accepts_a_frozen_discriminator_and_float_losses():
    def frozen(G, D, g_optimizer, d_optimizer, real, z):
        fake = G(z)
        d_loss = F.softplus(-D(real)).mean() + F.softplus(D(fake.detach())).mean()
        d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
        D.requires_grad_(False)
        g_loss = F.softplus(-D(fake)).mean()
        g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
        D.requires_grad_(True)
        return d_loss.item(), g_loss.item()

    check_gan_step(frozen)


@pytest.mark.parametrize(
    ("slip", "hint"),
    [
        ("no detach", "freed: the D step fed D the fakes without .detach"),
        ("no detach, fresh fakes for G", "G's weights received gradients in the D step"),
        ("no D zero_grad", r"call d_optimizer.zero_grad\(\)"),
        ("no G zero_grad", r"call g_optimizer.zero_grad\(\)"),
        ("saturating", "G followed the saturating loss"),
        ("G first", "G's optimiser stepped before D's"),
        ("D steps twice", r"d_optimizer.step\(\) was called 2 times"),
        ("stale D", r"a stale D"),
        ("D step's output", "or the G step reused D's output from the D step"),
        ("one BCE over both batches", "D's gradients are half of ganlib's"),
        ("float32 labels", "your losses have only float32 precision"),
        ("swapped", "the losses are swapped"),
    ],
)
def test_gan_step_slips_get_their_hints(slip, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_gan_step(slipped_step(slip))


@pytest.mark.parametrize(
    ("step", "hint"),
    [
        (lambda G, D, g_optimizer, d_optimizer, real, z: (0.0, 0.0), "neither optimiser stepped"),
        (lambda G, D, g_optimizer, d_optimizer, real, z: 1.0, "return the pair"),
        (lambda G, D, g_optimizer, d_optimizer, real, z: G(real.float()), "calling gan_step failed"),
    ],
)
def test_gan_step_other_mistakes_get_hints(step, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_gan_step(step)


def test_max_likelihood_gradient_right_answer_passes(capsys):
    check_max_likelihood_gradient(lambda d: -0.5 * d / (1 - d))
    out = capsys.readouterr().out
    assert "gradient is -0.0051, weaker still than the minimax loss's -0.01" in out and "at D = 0.99 it is -49.5" in out


@pytest.mark.parametrize(
    ("gradient", "hint"),
    [
        (lambda d: 0.5 * d / (1 - d), "the sign is flipped"),
        (lambda d: -d / (1 - d), "factor ½"),
        (lambda d: -0.5 * torch.exp(d), "Solve for e\\^l"),
        (lambda d: -d, "not the derivative yet"),  # the minimax loss's
        (lambda d: (-0.5 * d / (1 - d))[:3], "one derivative per value"),
        (lambda d: [0.0], "return a tensor"),
    ],
)
def test_max_likelihood_gradient_mistakes_get_hints(gradient, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_max_likelihood_gradient(gradient)


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
    check_max_likelihood_gradient(lambda d: (-0.5 * d / (1 - d)).float())
    check_optimal_logit(lambda mu: (torch.tensor(-mu), torch.tensor(mu**2 / 2)))


def test_mh_gan_acceptance_right_answer_passes(capsys):
    check_mh_gan_acceptance(lambda d, d_new: torch.clamp((d_new / (1 - d_new)) / (d / (1 - d)), max=1.0))
    assert "0.184 from D = 0.7 to D = 0.3" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda d, d_new: torch.clamp(d_new / d, max=1.0), "compare the odds"),
        (lambda d, d_new: (d_new / (1 - d_new)) / (d / (1 - d)), "cannot exceed 1"),
        (lambda d, d_new: torch.clamp((d / (1 - d)) / (d_new / (1 - d_new)), max=1.0), "upside down"),
        (lambda d, d_new: torch.ones_like(d), "moves with probability"),
        (lambda d, d_new: 0.5, "one probability per pair"),
    ],
)
def test_mh_gan_acceptance_mistakes_get_hints(answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_mh_gan_acceptance(answer)
