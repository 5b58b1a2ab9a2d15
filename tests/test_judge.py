"""The independent judge: its digits are disjoint from the corrections', its network is built differently, and
the measures can be read in its features."""

import pytest
import torch

from ganlib.checkpoints import load_checkpoint, load_runs, pretrained_path
from ganlib.data.mnist import CORRECTION_HALF, JUDGE_HALF, load_mnist, training_halves
from ganlib.metrics.evaluation import evaluate_real_data
from ganlib.metrics.features import classifier_features, classifier_probabilities, evaluation_classifier
from ganlib.models.lenet import LeNetClassifier
from ganlib.recipes.density_ratio import pretrained_density_ratio


def test_the_halves_split_every_digit_in_two_disjoint_shares():
    labels = load_mnist("train", source="subset")[1]
    first, second = training_halves(labels)
    assert len(set(first.tolist()) & set(second.tolist())) == 0
    assert sorted(first.tolist() + second.tolist()) == list(range(len(labels)))
    for digit in range(10):
        count = int((labels == digit).sum())
        assert int((labels[first] == digit).sum()) == (count + 1) // 2
    again = training_halves(labels)
    assert torch.equal(first, again[0]) and torch.equal(second, again[1])
    assert not torch.equal(first, training_halves(labels, seed=1)[0])


def test_an_odd_class_gives_its_extra_member_to_the_first_half():
    first, second = training_halves(torch.tensor([0, 0, 0, 1, 1]))
    assert (len(first), len(second)) == (3, 2)


def test_the_judge_and_the_ratio_classifier_learnt_from_the_halves_they_name():
    judge = load_checkpoint(pretrained_path("judge-classifier"))
    ratio = load_checkpoint(pretrained_path("ratio-classifier"))
    assert judge["model_class"] == "LeNetClassifier" and ratio["model_class"] == "MnistClassifier"
    assert "second half" in judge["meta"]["data"] and "first half" in ratio["meta"]["data"]
    assert (CORRECTION_HALF, JUDGE_HALF) == (0, 1)
    assert judge["meta"]["metrics"]["val_accuracy"] > 0.94  # a competent reader of digits, though less sure than 07's


def test_lenet_gives_logits_and_bounded_features():
    model = LeNetClassifier().eval()
    x = torch.rand(5, 1, 28, 28)
    assert model(x).shape == (5, 10)
    features = model.features(x)
    assert features.shape == (5, 84) and features.abs().max() < 1


def test_the_measures_can_be_read_in_the_judges_features():
    images = load_mnist("val", source="subset")[0][:50]
    assert classifier_features(images, "judge-classifier").shape == (50, 84)
    assert classifier_features(images).shape == (50, 128)
    probabilities = classifier_probabilities(images, "judge-classifier")
    torch.testing.assert_close(probabilities.sum(dim=1), torch.ones(50))
    with pytest.raises(ValueError, match="judge-classifier"):
        evaluation_classifier("cpu", "inception")


def test_real_digits_read_as_real_by_the_judge():
    row = evaluate_real_data(500, seed=0, network="judge-classifier")
    assert row["class_entropy"] > 2.28 and row["confident"] > 0.8 and row["frechet_ratio"] < 2


def test_a_ratio_on_an_unknown_network_is_refused():
    with pytest.raises(ValueError, match="ratio-classifier, mnist-classifier"):
        pretrained_density_ratio("dcgan-mnist", network="judge-classifier")


def test_the_shipped_judged_corrections_hold_the_rows_notebook_07_reads():
    runs = load_runs("judged-corrections")["runs"]
    assert set(runs) == {"real data", "plain", *(f"{s}, ratio on {n}" for s in ("DRS", "MH-GAN")
                                                  for n in ("ratio-classifier", "mnist-classifier"))}
    for row in runs.values():
        assert set(row) == {"mnist-classifier", "judge-classifier"}
        assert set(row["judge-classifier"]) == {"confident", "class_entropy", "frechet_ratio", "precision", "recall"}
