"""Data for the course: MNIST (offline subset or full), toy distributions, and mini-batches."""

from ganlib.data.batches import BatchIterator
from ganlib.data.mnist import full_mnist_available, load_mnist
from ganlib.data.toy import (
    GaussianMixture,
    SwissRoll,
    TwoMoons,
    gaussian_mixture_1d,
    grid,
    ring,
    toy_distribution,
)

__all__ = [
    "BatchIterator",
    "GaussianMixture",
    "SwissRoll",
    "TwoMoons",
    "full_mnist_available",
    "gaussian_mixture_1d",
    "grid",
    "load_mnist",
    "ring",
    "toy_distribution",
]
