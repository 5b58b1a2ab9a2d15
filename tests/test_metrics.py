"""Sample-quality metrics: closed forms, limiting cases, and the errors bad input gets."""

import math

import numpy as np
import pytest
import scipy.linalg
import torch

from ganlib.data.mnist import load_mnist
from ganlib.data.toy import grid, ring, TwoMoons
from ganlib.metrics.confidence import classifier_confidence, inception_score
from ganlib.metrics.copies import memorisation
from ganlib.metrics.evaluation import evaluate
from ganlib.metrics.features import classifier_features
from ganlib.metrics.frechet import frechet_distance, frechet_floor
from ganlib.metrics.manifold import precision_recall
from ganlib.metrics.modes import mode_coverage


@pytest.fixture(scope="module")
def val() -> torch.Tensor:
    return load_mnist("val", source="subset")[0]


@pytest.fixture(scope="module")
def train() -> torch.Tensor:
    """2,000 random training images: enough for every test, cheaper than all 4,500."""
    images = load_mnist("train", source="subset")[0]
    return images[torch.randperm(len(images), generator=torch.Generator().manual_seed(0))[:2000]]


@pytest.fixture(scope="module")
def train_features(train: torch.Tensor) -> torch.Tensor:
    return classifier_features(train[:1000])


def noise_images(n: int) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(1))


def with_moments(mean: np.ndarray, cov: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` points whose sample mean and covariance (with n - 1) are exactly ``mean`` and ``cov``."""
    z = np.random.default_rng(seed).standard_normal((n, len(mean)))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.atleast_2d(np.cov(z, rowvar=False)))).T  # sample covariance = I
    return mean + z @ np.linalg.cholesky(cov).T


# Fréchet distance


def test_frechet_of_a_set_with_itself_is_zero() -> None:
    feats = torch.randn(2000, 16)
    assert frechet_distance(feats, feats) == pytest.approx(0.0, abs=1e-8)


def test_frechet_equals_the_closed_form_for_full_covariances() -> None:
    rng = np.random.default_rng(3)
    mean_a, mean_b = rng.normal(size=5), rng.normal(size=5)
    root_a, root_b = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    cov_a, cov_b = root_a @ root_a.T + 0.1 * np.eye(5), root_b @ root_b.T + 0.1 * np.eye(5)
    expected = ((mean_a - mean_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * scipy.linalg.sqrtm(cov_a @ cov_b).real)
    a, b = with_moments(mean_a, cov_a, 300, seed=1), with_moments(mean_b, cov_b, 400, seed=2)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-8)


def test_frechet_of_gaussian_samples_approaches_the_diagonal_closed_form() -> None:
    mean_a, std_a = torch.tensor([0.0, 0.0, 0.0]), torch.tensor([1.0, 2.0, 0.5])
    mean_b, std_b = torch.tensor([1.0, -1.0, 0.5]), torch.tensor([2.0, 1.0, 0.5])
    expected = ((mean_a - mean_b) ** 2).sum() + ((std_a - std_b) ** 2).sum()  # 4.25 for diagonal covariances
    gen = torch.Generator().manual_seed(0)
    a = mean_a + std_a * torch.randn(100_000, 3, generator=gen)
    b = mean_b + std_b * torch.randn(100_000, 3, generator=gen)
    assert frechet_distance(a, b) == pytest.approx(expected.item(), abs=0.05)


def test_singular_covariances_give_the_finite_closed_form() -> None:
    # Both sets live on the x-axis: covariances diag(1, 0) and diag(4, 0), so d² = (1 - 2)² + |means|².
    a = with_moments(np.zeros(1), np.eye(1), 500, seed=1)
    b = with_moments(np.array([3.0]), 4 * np.eye(1), 500, seed=2)
    flat_a, flat_b = np.hstack([a, np.zeros_like(a)]), np.hstack([b, np.zeros_like(b)])
    assert frechet_distance(flat_a, flat_b) == pytest.approx(1.0 + 9.0, rel=1e-8)


def test_rank_deficient_features_give_a_finite_distance() -> None:
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(500, 3, generator=gen) @ torch.randn(3, 40, generator=gen)  # rank 3 in 40-D
    b = torch.randn(500, 3, generator=gen) @ torch.randn(3, 40, generator=gen)
    distance = frechet_distance(a, b)
    assert math.isfinite(distance) and distance > 0
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_fewer_samples_than_features_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 11 samples"):
        frechet_distance(torch.randn(5, 10), torch.randn(100, 10))


def test_mismatched_feature_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="different feature sizes"):
        frechet_distance(torch.randn(100, 8), torch.randn(100, 9))


def test_frechet_floor_is_small_but_positive(train: torch.Tensor) -> None:
    floor = frechet_floor(train[:600], 300)  # images: compared through their classifier features
    assert 0 < floor < frechet_distance(classifier_features(train[:300]), classifier_features(noise_images(300)))
    assert frechet_floor(torch.randn(1000, 4), 500, seed=1) < 0.1  # two samples of N(0, I): small
    with pytest.raises(ValueError, match="needs 2n = 1200"):
        frechet_floor(train[:1000], 600)


# Classifier-based measures


def test_features_accept_every_image_layout(val: torch.Tensor) -> None:
    images = val[:8]
    reference = classifier_features(images)
    assert reference.shape == (8, 128)
    assert torch.allclose(classifier_features(images.reshape(8, 784)), reference)
    assert torch.allclose(classifier_features(images.reshape(8, 28, 28)), reference)


def test_tanh_images_and_wrong_shapes_are_refused(val: torch.Tensor) -> None:
    with pytest.raises(ValueError, match=r"\(x \+ 1\) / 2"):
        classifier_features(val[:8] * 2 - 1)
    with pytest.raises(ValueError, match="28x28"):
        classifier_features(torch.rand(8, 32, 32))


def test_real_digits_are_confident_and_diverse_unlike_noise(val: torch.Tensor) -> None:
    real = classifier_confidence(val)
    assert real["confident"] >= 0.9
    assert real["class_entropy"] == pytest.approx(math.log(10), abs=0.05)
    assert sum(real[f"digit_{k}"] for k in range(10)) == pytest.approx(1.0)
    assert classifier_confidence(noise_images(500))["class_entropy"] < 1.0


def test_precision_recall_of_real_against_real_and_noise(train_features: torch.Tensor) -> None:
    real = precision_recall(train_features[:500], train_features[500:])
    assert real["precision"] >= 0.85 and real["recall"] >= 0.85
    noise = precision_recall(train_features[:500], classifier_features(noise_images(500)))
    assert noise["precision"] <= 0.05 and noise["recall"] <= 0.05
    with pytest.raises(ValueError, match="same d"):
        precision_recall(train_features, torch.randn(100, 5))


def test_memorisation_of_training_and_held_out_images(train: torch.Tensor, val: torch.Tensor) -> None:
    assert memorisation(train[:200], train) == 1.0
    assert memorisation(val, train) <= 0.05
    with pytest.raises(ValueError, match="pixels in"):
        memorisation(val * 2 - 1, train)


# Mode coverage on the toy mixtures


def test_mode_coverage_of_perfect_and_collapsed_samples() -> None:
    mixture = grid()
    gen = torch.Generator().manual_seed(0)
    perfect = mode_coverage(mixture.sample(2000, generator=gen), mixture)
    assert perfect["modes"] == perfect["n_modes"] == 25
    assert perfect["high_quality"] >= 0.97  # P(chi²₂ <= 9) = 1 - exp(-4.5) = 0.989
    one_mode = mixture.means[7] + mixture.stds[7] * torch.randn(500, 2, generator=gen)
    assert mode_coverage(one_mode, mixture)["modes"] == 1
    assert mode_coverage(ring().sample(1000, generator=gen), "ring")["modes"] == 8
    assert mode_coverage(torch.full((100, 2), 1.0), mixture) == {"modes": 0, "n_modes": 25, "high_quality": 0.0}


def test_mode_coverage_refuses_unknown_mixtures_and_bad_points() -> None:
    with pytest.raises(ValueError, match="unknown mixture 'spiral'"):
        mode_coverage(torch.zeros(10, 2), "spiral")
    with pytest.raises(TypeError, match="GaussianMixture"):
        mode_coverage(torch.zeros(10, 2), TwoMoons())
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        mode_coverage(torch.zeros(10, 3), grid())


# Everything at once


class Replay:
    """A 'generator' that replays held-out real digits, so every measure should look like real data."""

    def __init__(self, images: torch.Tensor) -> None:
        self.images = images

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.images[torch.randperm(len(self.images), generator=generator)[:n]]


def test_evaluate_real_digits_reads_like_real_data(train: torch.Tensor, val: torch.Tensor) -> None:
    result = evaluate(Replay(val), n=200, seed=3, train=train)
    assert result == evaluate(Replay(val), n=200, seed=3, train=train)  # repeatable
    assert {"confident", "class_entropy", "digit_9", "frechet", "frechet_floor", "frechet_ratio"} <= result.keys()
    assert result["frechet_ratio"] < 2.0 and result["memorisation"] <= 0.05
    assert result["precision"] >= 0.7 and result["recall"] >= 0.7
    with pytest.raises(ValueError, match="got 100 images but n=200"):
        evaluate(val[:100], n=200, train=train)


def test_real_data_reference_row_scores_held_out_digits_like_a_perfect_generator():
    from ganlib.metrics.evaluation import evaluate_real_data

    row = evaluate_real_data(1000, seed=0)
    assert row["confident"] > 0.95 and row["class_entropy"] > 2.29
    assert row["frechet_ratio"] < 1.5 and row["recall"] > 0.8
    assert row["memorisation"] < 0.03  # held out: not copies of the images it is compared with


def test_inception_score_closed_forms():
    """Sure verdicts spread evenly over K classes score K; one shared verdict, or pure doubt, scores 1."""
    assert inception_score(torch.eye(10).repeat(7, 1)) == pytest.approx(10.0, rel=1e-12)
    assert inception_score(torch.tensor([[0.3, 0.7]]).repeat(5, 1)) == pytest.approx(1.0, rel=1e-12)
    assert inception_score(torch.full((6, 4), 0.25)) == pytest.approx(1.0, rel=1e-12)
    soft = torch.tensor([[0.9, 0.1], [0.1, 0.9]], dtype=torch.float64)
    row_entropy = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))
    assert inception_score(soft) == pytest.approx(math.exp(math.log(2) - row_entropy), rel=1e-12)


def test_inception_score_is_the_exponential_of_the_mean_kl_to_the_marginal():
    logits = torch.randn(50, 10, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    p = logits.softmax(dim=1)
    mean_kl = (p * (p.log() - p.mean(dim=0).log())).sum(dim=1).mean()
    assert inception_score(p) == pytest.approx(math.exp(mean_kl.item()), rel=1e-10)
    assert inception_score(3 * p) == pytest.approx(inception_score(p), rel=1e-12)  # rows are normalised first


@pytest.mark.parametrize("bad", [torch.ones(5), torch.tensor([[0.5, float("nan")]]), torch.tensor([[1.5, -0.5]])])
def test_inception_score_refuses_what_is_not_probabilities(bad):
    with pytest.raises(ValueError, match="probabilities must be"):
        inception_score(bad)
