"""The quality targets that the sample table of ``quality.py`` does not show, measured on the shipped checkpoints.

    python benchmarks/targets.py

* 2-D generators (``gan-grid``, ``gan-grid-naive``, ``wgan-gp-grid``, ``gmmn-ring``): modes captured and the share of
  high-quality samples among 2,500 (``ganlib.metrics.modes.mode_coverage``, the PacGAN papers' measure);
* class-conditional generators (``cdcgan-mnist``): for each digit, the share of 100 samples classified as that digit
  with confidence ≥ 0.9 (``ganlib.metrics.conditional.conditional_accuracy``), and the worst digit;
* the semi-supervised classifier (``ssgan-mnist``): its accuracy on the 500 val digits, beside the labels-only
  baseline recorded when it was trained.

It prints figures; it asserts nothing (the tests check the targets, without timing anything).
"""

from __future__ import annotations

import sys

import torch

from ganlib.checkpoints import (
    checkpoint_dir,
    load_checkpoint,
    pretrained,
    pretrained_path,
)
from ganlib.data.mnist import load_mnist
from ganlib.metrics.accuracy import accuracy
from ganlib.metrics.conditional import conditional_accuracy
from ganlib.metrics.modes import mode_coverage

TOY_DATA = {"gan-grid": "grid", "gan-grid-naive": "grid", "wgan-gp-grid": "grid", "gmmn-ring": "ring"}


def coverage_line(label: str, generator: torch.nn.Module, mixture: str, width: int = 16) -> str:
    """One printed line: the modes captured and the high-quality share of 2,500 samples (seed 0) of ``generator``,
    after ``label`` padded to ``width`` characters."""
    coverage = mode_coverage(generator.sample(2500, torch.Generator().manual_seed(0)).cpu(), mixture)
    return f"  {label:{width}s} {coverage['modes']:>2d}/{coverage['n_modes']} modes   {coverage['high_quality']:.1%} high quality"


def main() -> int:
    present = {path.stem for path in checkpoint_dir().glob("*.pt")}
    print("2-D mixtures, 2,500 samples (seed 0)")
    for name, mixture in TOY_DATA.items():
        if name in present:
            print(coverage_line(name, pretrained(name), mixture))
    if "cdcgan-mnist" in present:
        shares = conditional_accuracy(pretrained("cdcgan-mnist"), n_per_digit=100, seed=0)
        print("\ncdcgan-mnist, 100 samples per digit: share classified as the digit asked for with confidence >= 0.9")
        print("  " + "  ".join(f"{digit}: {share:.2f}" for digit, share in shares.items()))
        print(f"  worst {min(shares.values()):.2f}, mean {sum(shares.values()) / len(shares):.3f}")
    if "ssgan-mnist" in present:
        val_images, val_labels = load_mnist("val", source="subset")
        baseline = load_checkpoint(pretrained_path("ssgan-mnist"))["meta"]["metrics"]["baseline_accuracy"]
        print(f"\nssgan-mnist, 100 labels: val accuracy {accuracy(pretrained('ssgan-mnist'), val_images, val_labels):.1%} "
              f"(the same network on the labels alone: {baseline:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
