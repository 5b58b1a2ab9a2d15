r"""Self-checks for notebook 08's class-conditional DCGAN.

* :func:`check_one_hot_channels`: turn labels into constant one-hot feature maps, the form in which a
  convolutional network is told the class: channel :math:`k` of image :math:`i` is :math:`[y_i = k]`
  everywhere.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ganlib.exercises import call_learner, passed, require
from ganlib.models.conditional_dcgan import one_hot_channels

_CASES = [(torch.tensor([3, 0, 9, 3]), 10, 28), (torch.tensor([1]), 10, 1), (torch.tensor([2, 0, 1, 2, 0]), 3, 4)]


def check_one_hot_channels(one_hot_channels_fn: Callable[[torch.Tensor, int, int], torch.Tensor]) -> None:
    """``one_hot_channels_fn(labels, n_classes, size)`` must turn integer labels ``(n,)`` into float maps
    ``(n, n_classes, size, size)``, 1 on the channel of each label and 0 on the others."""
    for labels, n_classes, size in _CASES:
        n = len(labels)
        answer = call_learner(
            one_hot_channels_fn, labels.clone(), n_classes, size,
            context=f"your function with labels={labels.tolist()}, n_classes={n_classes}, size={size}",
            advice="labels is a 1-D tensor of integers (torch.long).",
        )
        require(answer is not None, "your function returns None: end it with `return` and the maps.")
        require(isinstance(answer, torch.Tensor), f"return a tensor, not a {type(answer).__name__}.")
        expected = one_hot_channels(labels, n_classes, size)
        shape = tuple(answer.shape)
        require(
            shape != (n, size, size, n_classes) or size == n_classes,
            f"your maps are shaped {shape}, channels last; PyTorch convolutions want channels first: "
            f"(n, n_classes, size, size) = {tuple(expected.shape)}. Index with [:, :, None, None] rather than [:, None, None, :].",
        )
        require(
            shape == tuple(expected.shape),
            f"for {n} labels, {n_classes} classes and size {size} return shape (n, n_classes, size, size) = "
            f"{tuple(expected.shape)}, got {shape}.",
        )
        require(
            answer.dtype.is_floating_point,
            f"return floats (got {answer.dtype}): the maps are concatenated with images or codes, which are float.",
        )
        require(
            bool(((answer == 0) | (answer == 1)).all()),
            "every entry must be 0 or 1: a one-hot map says *which* class, it does not hold the label's value.",
        )
        require(
            bool((answer.sum(dim=1) == 1).all()),
            "at every pixel exactly one of the n_classes channels must be 1 (the label's).",
        )
        require(
            torch.equal(answer.float(), expected),
            f"for labels={labels.tolist()} the 1s are on the wrong channels: image i must have its 1s on channel "
            "labels[i] (torch.nn.functional.one_hot gives the right pattern).",
        )
    passed(
        "your maps are channel-first, float, and 1 exactly on each label's channel; with size=1 they are what "
        "the conditional generator concatenates to its code."
    )
