"""Which half of notebook 05's mode-collapse fix does the work? The grid GAN with one change at a time.

    python benchmarks/ablation.py

``gan-grid`` combines PacGAN packing with a learning rate that decays to 0; ``gan-grid-naive`` has neither. This
trains the two mixed settings with the recipe's code (``ganlib.recipes.gan.train_grid_gan_variant``: same networks,
data, seed and ``GRID_STEPS`` steps) and prints the mode coverage of 2,500 samples of all four, the shipped two
read from their checkpoints. The recipe ``gan-grid-ablation`` stores the same two runs for notebook 05's table;
this trains them afresh. About five minutes on two CPU cores.

It prints figures; it asserts nothing.
"""

from __future__ import annotations

import sys

# the sibling script's line format (run as python benchmarks/ablation.py)
from targets import coverage_line

from ganlib.checkpoints import pretrained
from ganlib.device import get_device
from ganlib.recipes.gan import GRID_PACK, GRID_STEPS, train_grid_gan_variant


def main() -> int:
    device = get_device()
    print(f"25-mode grid, {GRID_STEPS:,} steps, seed 0; mode coverage of 2,500 samples")
    print(coverage_line("neither (gan-grid-naive)", pretrained("gan-grid-naive"), "grid", width=26))
    print(coverage_line("decaying rate only", train_grid_gan_variant(1, True, device, description="decay only"), "grid", width=26))
    print(coverage_line(f"packing (pack={GRID_PACK}) only", train_grid_gan_variant(GRID_PACK, False, device, description="pack only"), "grid", width=26))
    print(coverage_line("both (gan-grid)", pretrained("gan-grid"), "grid", width=26))
    return 0


if __name__ == "__main__":
    sys.exit(main())
