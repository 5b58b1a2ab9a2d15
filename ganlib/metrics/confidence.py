r"""Do generated digits look like *some* digit, and are all ten digits there?

Two questions the evaluation classifier answers, as in the Inception Score but read separately:

* **quality**: the share of samples whose top class probability :math:`\max_k p(k \mid x)` is at least 0.9;
* **diversity**: the histogram :math:`h_k` of predicted classes and its entropy
  :math:`H = \sum_k h_k \ln(1 / h_k)`, which is :math:`\ln 10 \approx 2.303` nats when every digit is as
  frequent, and 0 when a generator only draws one digit (mode collapse).

:func:`inception_score` folds the two into the one number of Salimans et al. (2016), for comparison.
"""

from __future__ import annotations

import torch

from ganlib.metrics.features import EVALUATION, classifier_probabilities

CONFIDENT = 0.9


def classifier_confidence(samples: torch.Tensor, network: str = EVALUATION) -> dict[str, float]:
    """For images in [0, 1]: ``{"confident": share, "class_entropy": H, "digit_0": h_0, ..., "digit_9": h_9}``,
    by the classifier ``network`` (default the evaluation network)."""
    probs = classifier_probabilities(samples, network)
    top, predicted = probs.max(dim=1)
    shares = torch.bincount(predicted, minlength=10).double() / len(predicted)
    seen = shares[shares > 0]  # 0 ln 0 = 0
    entropy = (seen * (1 / seen).log()).sum()
    return {
        "confident": (top >= CONFIDENT).double().mean().item(),
        "class_entropy": entropy.item(),
        **{f"digit_{k}": share for k, share in enumerate(shares.tolist())},
    }


def inception_score(probabilities: torch.Tensor) -> float:
    r"""The Inception Score of samples from a classifier's probabilities ``(n, K)``, one row per sample:

    .. math::
        \mathrm{IS} = \exp\Big(\frac1n \sum_{i} \mathrm{KL}\big(p(\cdot \mid x_i) \,\|\, \hat p\big)\Big)
        = \exp\Big(H(\hat p) - \frac1n \sum_i H\big(p(\cdot \mid x_i)\big)\Big),
        \qquad \hat p = \frac1n \sum_i p(\cdot \mid x_i).

    The exponent is the entropy of the average prediction (are the classes spread?) minus the average entropy
    of one prediction (is each sample sure?). It lies in [1, K]: K for sure predictions spread evenly over the
    K classes, 1 when every sample gets the same prediction. Salimans et al. (2016) used an ImageNet Inception
    network; with the course's digit classifier it scores digits.
    """
    if probabilities.ndim != 2 or not torch.isfinite(probabilities).all() or (probabilities < 0).any():
        raise ValueError(f"probabilities must be a finite, non-negative (n, K) tensor, got shape {tuple(probabilities.shape)}.")
    p = probabilities.double() / probabilities.double().sum(dim=1, keepdim=True)
    average = p.mean(dim=0)
    diversity = -torch.special.xlogy(average, average).sum()  # H(p̂), with 0 log 0 = 0
    doubt = -torch.special.xlogy(p, p).sum(dim=1).mean()  # mean of H(p(·|x))
    return float(torch.exp(diversity - doubt))
