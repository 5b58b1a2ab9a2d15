r"""Does a class-conditional generator draw the digit it is asked for?

For each digit :math:`d`, draw :math:`n` samples :math:`x_i = G(z_i \mid d)` and count those that the
evaluation classifier reads as :math:`d` *with confidence*:

.. math:: a_d = \frac{1}{n} \sum_{i=1}^{n} \big[\arg\max_k p(k \mid x_i) = d \ \text{and}\ p(d \mid x_i) \ge 0.9\big].

A sample that is the right digit but badly drawn (a hesitant classifier) counts as a miss, so
:math:`a_d` measures the conditioning and the quality at once. The worst digit, :math:`\min_d a_d`,
is the number to watch: one digit the generator cannot draw is easy to hide in an average.
"""

from __future__ import annotations

import torch

from ganlib.checks import check_count
from ganlib.metrics.confidence import CONFIDENT
from ganlib.metrics.features import classifier_probabilities


@torch.no_grad()
def conditional_accuracy(generator: torch.nn.Module, n_per_digit: int = 100, seed: int = 0) -> dict[int, float]:
    """``{d: a_d}`` for every class ``d`` of ``generator`` (``n_classes`` and ``sample(n, generator, digit=d)``):
    the share of ``n_per_digit`` samples of ``d`` classified as ``d`` with probability at least 0.9.

    The noise comes from one ``torch.Generator`` seeded with ``seed``, so the result is repeatable.
    """
    check_count(n_per_digit, "n_per_digit")
    if not hasattr(generator, "n_classes"):
        raise ValueError(
            f"conditional_accuracy needs a class-conditional generator (with n_classes and sample(n, digit=...)), "
            f"got a {type(generator).__name__}; for an unconditional one use ganlib.metrics.evaluation.evaluate."
        )
    draws = torch.Generator().manual_seed(seed)
    shares = {}
    for digit in range(generator.n_classes):
        probs = classifier_probabilities(generator.sample(n_per_digit, generator=draws, digit=digit))
        shares[digit] = (probs[:, digit] >= CONFIDENT).double().mean().item()
    return shares
