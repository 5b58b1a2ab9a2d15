r"""Precision and recall of a generator, with the k-nearest-neighbour manifolds of Kynkäänniemi et al. (2019).

A set of feature vectors :math:`\Phi` stands for a manifold: the union of balls around each
:math:`\phi \in \Phi` whose radius is the distance from :math:`\phi` to its :math:`k`-th nearest neighbour in
:math:`\Phi`. With :math:`\mathbb 1_\Phi(x) = 1` when :math:`x` is inside that union,

.. math:: \text{precision} = \frac{1}{|\Phi_g|} \sum_{x \in \Phi_g} \mathbb 1_{\Phi_r}(x), \qquad
          \text{recall} = \frac{1}{|\Phi_r|} \sum_{x \in \Phi_r} \mathbb 1_{\Phi_g}(x).

Precision asks "are the fakes realistic?" (inside the real manifold), recall "is all of the real data
covered?" (inside the fake manifold). A collapsed generator can have high precision and low recall.
"""

from __future__ import annotations

import torch

from ganlib.metrics.neighbours import inside_any_ball, kth_neighbour_distance


def precision_recall(real_feats: torch.Tensor, fake_feats: torch.Tensor, k: int = 3) -> dict[str, float]:
    """``{"precision": ..., "recall": ...}`` of ``fake_feats`` against ``real_feats`` (both ``(n, d)``)."""
    real, fake = torch.as_tensor(real_feats).float(), torch.as_tensor(fake_feats).float()
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(
            "expected two feature matrices (samples, d) with the same d, "
            f"got {tuple(real.shape)} and {tuple(fake.shape)}."
        )
    fake = fake.to(real.device)
    real_radii = kth_neighbour_distance(real, k)
    fake_radii = kth_neighbour_distance(fake, k)
    return {
        "precision": inside_any_ball(fake, real, real_radii).double().mean().item(),
        "recall": inside_any_ball(real, fake, fake_radii).double().mean().item(),
    }
