"""Semi-supervised GAN: its losses on hand-made logits, the labelled set, the network, training, the checkpoint,
the exercise check, and clear errors."""

import math
from pathlib import Path

import pytest
import torch

from ganlib.__main__ import main
from ganlib.checkpoints import load_checkpoint, pretrained, pretrained_path
from ganlib.data.mnist import load_mnist
from ganlib.exercises import ExerciseError
from ganlib.exercises.semi_supervised import check_probability_real
from ganlib.models.ssgan import feature_matching_loss, probability_real, semi_supervised_discriminator_loss
from ganlib.models import MODELS
from ganlib.models.ssgan import SemiSupervisedDiscriminator
from ganlib.recipes import recipe
from ganlib.metrics.accuracy import accuracy
from ganlib.recipes.ssgan import choose_labelled, SemiSupervisedBatches, SSGANSettings, train_semi_supervised

ROOT = Path(__file__).resolve().parent.parent


def test_zero_logits_give_k_over_k_plus_one():
    k = 10
    zeros = torch.zeros(4, k)
    assert torch.allclose(probability_real(zeros), torch.full((4,), k / (k + 1)))
    losses = semi_supervised_discriminator_loss(zeros, torch.arange(4), zeros, zeros)
    assert losses["supervised"].item() == pytest.approx(math.log(k))  # uniform over the K classes
    # -log D(x) - log(1 - D(G(z))) with D = K / (K + 1) everywhere
    assert losses["unsupervised"].item() == pytest.approx(math.log((k + 1) / k) + math.log(k + 1), rel=1e-6)
    assert losses["loss"].item() == pytest.approx(losses["supervised"].item() + losses["unsupervised"].item())


def test_loss_matches_a_hand_computation():
    labelled, labels = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]]), torch.tensor([0, 2])
    real, fake = torch.tensor([[1.0, 0.0, 0.0]]), torch.tensor([[-1.0, -2.0, 0.5], [0.0, 0.0, 0.0]])
    losses = semi_supervised_discriminator_loss(labelled, labels, real, fake)
    ce = [-2 + math.log(math.e**2 + 1 + math.e**-1), -0 + math.log(1 + math.e + 1)]
    z_real = math.e + 2
    z_fake = [math.e**-1 + math.e**-2 + math.e**0.5, 3.0]
    unsupervised = -math.log(z_real / (z_real + 1)) + sum(-math.log(1 / (z + 1)) for z in z_fake) / 2
    assert losses["supervised"].item() == pytest.approx(sum(ce) / 2, rel=1e-6)
    assert losses["unsupervised"].item() == pytest.approx(unsupervised, rel=1e-6)


def test_extreme_logits_stay_finite():
    huge, tiny = torch.full((2, 10), 1000.0), torch.full((2, 10), -1000.0)
    assert torch.equal(probability_real(huge), torch.ones(2)) and torch.equal(probability_real(tiny), torch.zeros(2))
    confident = semi_supervised_discriminator_loss(huge, torch.tensor([0, 1]), huge, tiny)  # D sure and right
    assert confident["unsupervised"].item() == pytest.approx(0.0, abs=1e-6)
    fooled = semi_supervised_discriminator_loss(huge, torch.tensor([0, 1]), tiny, huge)  # D sure and wrong
    # -log D(real) = softplus(-log Z) with log Z = -1000 + log 10, and -log(1 - D(fake)) = softplus(1000 + log 10)
    assert fooled["unsupervised"].item() == pytest.approx((1000 - math.log(10)) + (1000 + math.log(10)), rel=1e-6)
    logits = torch.full((3, 10), 1000.0, requires_grad=True)
    semi_supervised_discriminator_loss(logits, torch.tensor([0, 1, 2]), logits, logits)["loss"].backward()
    assert torch.isfinite(logits.grad).all()


def test_feature_matching_is_the_squared_difference_of_means():
    real = torch.tensor([[1.0, 2.0], [3.0, 4.0]])  # mean (2, 3)
    fake = torch.tensor([[0.0, 0.0], [0.0, 2.0], [0.0, 1.0]])  # mean (0, 1)
    assert feature_matching_loss(real, fake).item() == pytest.approx((2**2 + 2**2) / 2)
    assert feature_matching_loss(real, real.flip(0)).item() == 0.0  # same means, other samples


def test_labelled_set_has_ten_per_class_and_is_seeded():
    _, labels = load_mnist("train", source="subset")
    chosen = choose_labelled(labels, per_class=10, seed=0)
    assert len(chosen) == 100 and len(chosen.unique()) == 100
    assert torch.equal(torch.bincount(labels[chosen], minlength=10), torch.full((10,), 10))
    assert torch.equal(chosen, choose_labelled(labels, per_class=10, seed=0))
    assert not torch.equal(chosen, choose_labelled(labels, per_class=10, seed=1))


def test_discriminator_is_noisy_in_training_and_exact_in_eval():
    model = SemiSupervisedDiscriminator(hidden=(32, 16))
    x = torch.rand(5, 1, 28, 28)
    logits, features = model.logits_and_features(x)
    assert logits.shape == (5, 10) and features.shape == (5, 16)
    assert not torch.equal(model(x), model(x))  # Gaussian noise while training
    model.eval()
    assert torch.equal(model(x), model(x))
    assert MODELS["SemiSupervisedDiscriminator"] is SemiSupervisedDiscriminator


def test_short_training_beats_the_untrained_network():
    torch.set_num_threads(1)
    images, labels = load_mnist("train", source="subset")
    val = load_mnist("val", source="subset")
    settings = SSGANSettings(hidden=(200, 100), generator_hidden=200)
    run = train_semi_supervised(images, labels, choose_labelled(labels), val, steps=60, settings=settings,
                                evaluate_every=60, progress=False)
    assert run.history["val_step"] == [0, 60]
    before, after = run.history["val_accuracy"]
    assert after > before + 0.3 and after == pytest.approx(accuracy(run.classifier, *val))
    assert {"d_loss", "supervised", "unsupervised", "g_loss", "accuracy"} <= run.history.keys()
    assert not run.classifier.training and run.generator is not None


@pytest.mark.parametrize("gan", [True, False])
def test_training_leaves_the_callers_random_numbers_alone(gan):
    """train_semi_supervised draws from its own seeded stream: the caller's global RNG is where it was, and the
    run is the same whatever state the caller's RNG was in."""
    images, labels = load_mnist("val", source="subset")
    images, labels = images[:300], labels[:300]
    val = (images[:50], labels[:50])
    settings = SSGANSettings(hidden=(16,), latent_dim=8, generator_hidden=16, batch_size=16, labelled_batch=8)
    weights = []
    for caller_seed in (1, 2):
        torch.manual_seed(caller_seed)
        state = torch.get_rng_state()
        run = train_semi_supervised(images, labels, choose_labelled(labels, per_class=2), val, steps=2, gan=gan,
                                    settings=settings, seed=3, evaluate_every=2, progress=False)
        assert torch.equal(torch.get_rng_state(), state)
        assert (run.generator is not None) == gan
        weights.append(torch.cat([p.detach().flatten() for p in run.classifier.parameters()]))
    assert torch.equal(weights[0], weights[1])


def test_pretrained_classifier_beats_its_baseline():
    path = pretrained_path("ssgan-mnist")
    assert path.stat().st_size <= 5 * 2**20
    saved = load_checkpoint(path)
    metrics = saved["meta"]["metrics"]
    model = pretrained("ssgan-mnist")
    images, labels = load_mnist("val", source="subset")
    measured = accuracy(model, images, labels)
    assert measured >= 0.90 and measured > metrics["baseline_accuracy"]
    assert measured == pytest.approx(metrics["val_accuracy"], abs=1e-6)
    assert saved["meta"]["command"] == "python -m ganlib train ssgan-mnist"
    assert saved["curves"]["ssgan"]["val_accuracy"][-1] == pytest.approx(metrics["val_accuracy"])


def test_recipe_round_trips_through_pretrained(tmp_path, monkeypatch):
    (tmp_path / "mnist-5k.npz").symlink_to(ROOT / "data" / "mnist-5k.npz")
    monkeypatch.setenv("GANLIB_DATA", str(tmp_path))
    path = recipe("ssgan-mnist").train(pretrained_path("ssgan-mnist"), 0.0001, torch.device("cpu"))  # one step each
    assert path == tmp_path / "checkpoints" / "ssgan-mnist.pt"
    model = pretrained("ssgan-mnist")
    assert isinstance(model, SemiSupervisedDiscriminator) and not model.training
    assert {"val_accuracy", "baseline_accuracy"} <= load_checkpoint(path)["meta"]["metrics"].keys()


def test_the_command_line_refuses_to_sample_the_classifier(tmp_path, capsys):
    assert main(["sample", "ssgan-mnist", "-n", "2", "-o", str(tmp_path / "x.npy")]) == 1
    assert "not a generator" in capsys.readouterr().err
    assert main(["list"]) == 0 and "ssgan-mnist" in capsys.readouterr().out


def test_exercise_accepts_the_stable_answer_and_hints_otherwise(capsys):
    check_probability_real(lambda logits: torch.sigmoid(torch.logsumexp(logits, dim=1)))
    assert "0.909 for 10 classes" in capsys.readouterr().out
    naive = lambda logits: logits.exp().sum(1) / (logits.exp().sum(1) + 1)  # noqa: E731
    with pytest.raises(ExerciseError, match="logsumexp"):
        check_probability_real(naive)
    with pytest.raises(ExerciseError, match="class 'generated'"):
        check_probability_real(lambda logits: torch.sigmoid(-torch.logsumexp(logits, dim=1)))
    with pytest.raises(ExerciseError, match="most likely digit"):
        check_probability_real(lambda logits: torch.softmax(logits, dim=1).max(dim=1).values)
    with pytest.raises(ExerciseError, match="one probability per row"):
        check_probability_real(lambda logits: torch.sigmoid(torch.logsumexp(logits, dim=0)))


def test_bad_input_is_explained():
    logits = torch.zeros(2, 10)
    with pytest.raises(ValueError, match=r"lie in 0\.\.9"):
        semi_supervised_discriminator_loss(logits, torch.tensor([0, 10]), logits, logits)
    with pytest.raises(ValueError, match="integer classes, one per labelled row"):
        semi_supervised_discriminator_loss(logits, torch.tensor([0.0, 1.0]), logits, logits)
    with pytest.raises(ValueError, match="integer classes, one per labelled row"):
        semi_supervised_discriminator_loss(logits, torch.tensor([0, 1, 2]), logits, logits)
    with pytest.raises(ValueError, match="fake_logits has 3 class logits"):
        semi_supervised_discriminator_loss(logits, torch.tensor([0, 1]), logits, torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"\(batch, classes\)"):
        semi_supervised_discriminator_loss(logits, torch.tensor([0, 1]), torch.zeros(10), logits)
    with pytest.raises(ValueError, match="same d"):
        feature_matching_loss(torch.zeros(4, 8), torch.zeros(4, 6))
    with pytest.raises(ValueError, match="fewer than per_class"):
        choose_labelled(torch.tensor([0, 0, 1]), per_class=2)
    with pytest.raises(ValueError, match="one label per image"):
        SemiSupervisedBatches(torch.zeros(10, 1, 28, 28), torch.zeros(3, 1, 28, 28), torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match="28x28 one-channel images"):
        SemiSupervisedDiscriminator()(torch.zeros(2, 3, 28, 28))
