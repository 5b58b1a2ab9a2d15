r"""Self-checks for notebook 08, semi-supervised learning with a GAN.

* :func:`check_probability_real`: the discriminator's :math:`D(x) = Z(x) / (Z(x) + 1)`, with
  :math:`Z = \sum_k e^{l_k}`, computed from K class logits without overflow.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ganlib.exercises import call_learner, passed, require
from ganlib.models.ssgan import probability_real


def _cases() -> list[torch.Tensor]:
    """Ordinary logits, then logits that overflow ``exp`` in float32 (and in float64), then very negative ones."""
    ordinary = torch.randn(6, 10, generator=torch.Generator().manual_seed(0)) * 3
    extreme = torch.tensor([[1000.0, 0.0, -5.0], [90.0, 89.0, 88.0], [-1000.0, -1000.0, -1000.0], [0.0, 0.0, 0.0]])
    return [ordinary, torch.zeros(2, 10), extreme]


def check_probability_real(probability_real_answer: Callable[[torch.Tensor], torch.Tensor]) -> None:
    r"""``probability_real_answer(logits)`` maps ``(n, K)`` class logits to the ``(n,)`` probabilities
    :math:`D(x) = Z / (Z + 1)` that each image is real (the fake class's logit is 0); checked against
    ``ganlib.models.ssgan.probability_real``, including logits of ±1000."""
    for logits in _cases():
        answer = call_learner(probability_real_answer, logits.clone(), context="probability_real(logits)",
                              advice="It receives a (n, K) tensor of logits.")
        require(isinstance(answer, torch.Tensor), f"return a tensor of probabilities, got {type(answer).__name__}.")
        require(answer.shape == logits.shape[:1], f"return one probability per row, shape {tuple(logits.shape[:1])}; got {tuple(answer.shape)}.")
        expected = probability_real(logits)
        answer = answer.detach().double()
        require(
            bool(torch.isfinite(answer).all()),
            "some probabilities are NaN or inf: with logits like 1000, exp overflows and inf / (inf + 1) is NaN. "
            "Write Z / (Z + 1) as σ(log Z), and compute log Z with torch.logsumexp.",
        )
        if torch.allclose(answer, expected.double(), atol=1e-6):
            continue
        require(
            not torch.allclose(answer, 1 - expected.double(), atol=1e-6),
            "that is the probability of the class 'generated', 1 / (Z + 1): D(x) is the probability of all K real classes.",
        )
        require(
            not torch.allclose(answer, torch.softmax(logits, dim=1).max(dim=1).values.double(), atol=1e-6),
            "that is the probability of the most likely digit among the K. Add the fake class, whose logit is 0, "
            "and sum the probabilities of the K real ones.",
        )
        require(
            False,
            f"for the logits ({', '.join(f'{v:.2f}' for v in logits[0, :3].tolist())}, …) D should be {expected[0]:.4f}, "
            f"you give {answer[0]:.4f}. "
            "D(x) = Z / (Z + 1) with Z = Σ_k exp(l_k), which is the sigmoid of log Z.",
        )
    ten, three = probability_real(torch.zeros(1, 10)).item(), probability_real(torch.zeros(1, 3)).item()
    passed(
        f"logits of 1000 give D = {probability_real(torch.tensor([[1000.0]])).item():.3f} without overflow. "
        f"With all K logits at 0, D = K / (K + 1): {ten:.3f} for 10 classes, {three:.3f} for 3."
    )
