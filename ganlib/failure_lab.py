"""Notebook 06's failure lab: the DCGAN guidelines broken one at a time, and progress measured on snapshots.

Each entry of :data:`FAILURES` changes one setting of :class:`ganlib.recipes.dcgan.DCGANSettings`:

* ``"ReLU in D"``: ReLU instead of LeakyReLU(0.2) in the discriminator. A ReLU passes no gradient for
  negative inputs, so the generator only hears about the pixels that switched a unit on;
* ``"Adam β1 = 0.9"``: the usual momentum instead of the paper's 0.5. Momentum averages gradients over
  about :math:`1/(1 - \\beta_1)` steps, 10 instead of 2, but in a game the opponent keeps moving, so old
  gradients point the wrong way and the two players overshoot and oscillate;
* ``"no batch norm"``: no batch normalisation in either network. With N(0, 0.02) weights every layer
  shrinks its input, the generator starts from an almost constant image, and nothing keeps its samples
  of one batch apart.

:func:`run_lab` trains each variant (and, by the name ``"reference"``, the settings left intact) from the
same seed, so differences come from the change alone, and
:func:`confidence_over_training` scores each snapshot with the evaluation classifier.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import torch

from ganlib.recipes.dcgan import DCGANRun, DCGANSettings, train_dcgan

REFERENCE = "reference"
FAILURES: dict[str, dict[str, Any]] = {
    "ReLU in D": {"d_activation": "relu"},
    "Adam β1 = 0.9": {"beta1": 0.9},
    "no batch norm": {"batchnorm": False},
}


def run_lab(
    images: torch.Tensor,
    base: DCGANSettings,
    steps: int,
    names: Iterable[str] = tuple(FAILURES),
    **train_options: Any,
) -> dict[str, DCGANRun]:
    """Train ``base`` changed by each of the :data:`FAILURES` called ``names``, for ``steps`` steps each;
    the name ``"reference"`` trains ``base`` itself.

    ``train_options`` go to :func:`ganlib.recipes.dcgan.train_dcgan` (``seed``, ``snapshot_codes``, ...).
    """
    names = list(names)
    unknown = [name for name in names if name != REFERENCE and name not in FAILURES]
    if unknown:
        raise ValueError(f"unknown failures {unknown}; choose from {REFERENCE!r} and {', '.join(FAILURES)}.")
    return {
        name: train_dcgan(base.changed(**FAILURES.get(name, {})), images, steps=steps, description=name, **train_options)
        for name in names
    }


def confidence_over_training(history: Mapping[str, Sequence[Any]]) -> list[float]:
    """The share of each snapshot's images that the evaluation classifier reads with confidence ≥ 0.9."""
    from ganlib.metrics.confidence import classifier_confidence

    if not history.get("snapshots"):
        raise ValueError("the history holds no snapshots: train with snapshot_codes=... and snapshot_every=....")
    return [classifier_confidence(images)["confident"] for images in history["snapshots"]]
