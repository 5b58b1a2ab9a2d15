"""The evaluation classifier: its architecture, its recipe, and the pretrained checkpoint."""

import pytest
import torch

from ganlib.checkpoints import load_checkpoint, pretrained, pretrained_path
from ganlib.data.mnist import load_mnist
from ganlib.models import MODELS
from ganlib.models.classifier import MnistClassifier
from ganlib.recipes import all_recipes
from ganlib.recipes.classifier import random_affine


def test_shapes_of_logits_and_features() -> None:
    model = MnistClassifier(width=8, feature_dim=16).eval()
    images = torch.rand(5, 1, 28, 28)
    assert model(images).shape == (5, 10)
    assert model.features(images).shape == (5, 16)
    assert torch.allclose(model(images.reshape(5, 784)), model(images))


def test_wrong_image_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="28x28"):
        MnistClassifier()(torch.rand(2, 3, 28, 28))


def test_registered_as_model_and_recipe() -> None:
    assert MODELS["MnistClassifier"] is MnistClassifier
    assert "mnist-classifier" in all_recipes()


def test_random_affine_without_motion_is_the_identity() -> None:
    images = torch.rand(4, 1, 28, 28)
    assert torch.allclose(random_affine(images, degrees=0, zoom=0, shift=0), images, atol=1e-5)
    moved = random_affine(images, torch.Generator().manual_seed(0))
    assert moved.shape == images.shape and not torch.allclose(moved, images)


def test_pretrained_checkpoint_is_small_and_documented() -> None:
    path = pretrained_path("mnist-classifier")
    assert path.stat().st_size < 2_000_000
    meta = load_checkpoint(path)["meta"]
    assert meta["command"] == "python -m ganlib train mnist-classifier"
    assert meta["metrics"]["val_accuracy"] >= 0.97


def test_pretrained_classifier_reaches_97_percent_on_val() -> None:
    images, labels = load_mnist("val", source="subset")
    model = pretrained("mnist-classifier")
    with torch.no_grad():
        accuracy = (model(images).argmax(dim=1) == labels).float().mean().item()
    assert accuracy >= 0.97
