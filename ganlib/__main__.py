"""Command line: ``python -m ganlib info``."""

from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Sequence


def info() -> str:
    """Versions, the chosen device, and which datasets and checkpoints are on disk."""
    import numpy
    import torch

    import ganlib
    from ganlib.data import full_mnist_available
    from ganlib.device import get_device
    from ganlib.paths import checkpoint_dir, data_dir

    checkpoints = sorted(p.stem for p in checkpoint_dir().glob("*.pt"))
    subset = data_dir() / "mnist-5k.npz"
    lines = [
        f"ganlib       {ganlib.__version__}",
        f"python       {platform.python_version()}",
        f"torch        {torch.__version__}",
        f"numpy        {numpy.__version__}",
        f"device       {get_device()}",
        f"data folder  {data_dir()}",
        f"MNIST subset {'present' if subset.exists() else 'MISSING'} ({subset.name})",
        f"full MNIST   {'present' if full_mnist_available() else 'not on disk (optional)'}",
        f"checkpoints  {', '.join(checkpoints) if checkpoints else 'none'}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganlib", description="Tools of the ganlib course.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("info", help="versions, device, datasets and checkpoints on disk")
    args = parser.parse_args(argv)
    if args.command == "info":
        print(info())
    return 0


if __name__ == "__main__":
    sys.exit(main())
