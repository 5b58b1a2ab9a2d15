r"""Do generated digits look like *some* digit, and are all ten digits there?

Two questions the evaluation classifier answers, as in the Inception Score but read separately:

* **quality**: the share of samples whose top class probability :math:`\max_k p(k \mid x)` is at least 0.9;
* **diversity**: the histogram :math:`h_k` of predicted classes and its entropy
  :math:`H = \sum_k h_k \ln(1 / h_k)`, which is :math:`\ln 10 \approx 2.303` nats when every digit is as
  frequent, and 0 when a generator only draws one digit (mode collapse).
"""

from __future__ import annotations

import torch

from ganlib.metrics.features import classifier_probabilities

CONFIDENT = 0.9


def classifier_confidence(samples: torch.Tensor) -> dict[str, float]:
    """For images in [0, 1]: ``{"confident": share, "class_entropy": H, "digit_0": h_0, ..., "digit_9": h_9}``."""
    probs = classifier_probabilities(samples)
    top, predicted = probs.max(dim=1)
    shares = torch.bincount(predicted, minlength=10).double() / len(predicted)
    seen = shares[shares > 0]  # 0 ln 0 = 0
    entropy = (seen * (1 / seen).log()).sum()
    return {
        "confident": (top >= CONFIDENT).double().mean().item(),
        "class_entropy": entropy.item(),
        **{f"digit_{k}": share for k, share in enumerate(shares.tolist())},
    }
