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
:func:`summarise_lab` keeps what the notebook shows of each run; the recipe ``dcgan-failure-lab`` ships
that summary of the notebook's four runs in ``data/runs/``, so that the notebook loads them by default and
trains them again only when asked to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from ganlib.recipes.dcgan import DCGANRun, DCGANSettings, train_dcgan
from ganlib.recipes.recipe import Recipe

REFERENCE = "reference"
# The notebook's lab: small runs, so that all four fit in a few minutes of a laptop CPU.
LAB_SETTINGS = DCGANSettings(width=16, lr=1e-3, batch_size=64)
LAB_STEPS = 400
LAB_SNAPSHOT_EVERY = 50
KEPT_SAMPLES = 36  # final samples kept per run
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


def lab_codes() -> torch.Tensor:
    """The 256 fixed codes whose images every run of the lab records (seed 6)."""
    return torch.randn(256, LAB_SETTINGS.latent_dim, generator=torch.Generator().manual_seed(6))


def summarise_lab(runs: Mapping[str, DCGANRun]) -> dict[str, dict[str, Any]]:
    """What the notebook shows of each run: the logged history (without the snapshots), the confident share
    at each snapshot, and the first :data:`KEPT_SAMPLES` images of the last snapshot, in [0, 1]."""
    logged = ("step", "d_loss", "g_loss", "d_real", "d_fake", "snapshot_step")
    return {
        name: {
            "history": {key: list(run.history[key]) for key in logged},
            "confidence": confidence_over_training(run.history),
            "samples": run.history["snapshots"][-1][:KEPT_SAMPLES].clone(),
        }
        for name, run in runs.items()
    }


def train_lab(output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train the notebook's four runs on the MNIST subset and save their summary (``dcgan-failure-lab``)."""
    from ganlib.checkpoints import save_runs
    from ganlib.data import load_mnist

    images, _ = load_mnist("train", source="subset", scale="symmetric", device=device)
    runs = run_lab(images, LAB_SETTINGS, LAB_STEPS, names=[REFERENCE, *FAILURES], snapshot_codes=lab_codes(),
                   snapshot_every=LAB_SNAPSHOT_EVERY, progress=True)
    settings = LAB_SETTINGS
    return save_runs(
        output,
        summarise_lab(runs),
        data=f"MNIST subset, train split; width {settings.width}, batches of {settings.batch_size}, Adam lr "
        f"{settings.lr:g}, {LAB_STEPS} steps per run, seed 0",
        command="python -m ganlib train dcgan-failure-lab",
    )


RECIPES = (Recipe("dcgan-failure-lab", "notebook 06's failure lab: four short DCGAN runs (histories, no network)", train_lab, folder="runs"),)
