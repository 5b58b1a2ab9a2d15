"""Command line of the course.

    python -m ganlib info                       versions, device, data and checkpoints on disk
    python -m ganlib list                       pretrained models, shipped runs and training recipes
    python -m ganlib train NAME [--minutes M]   (re)train a checkpoint into data/checkpoints/ (or runs into data/runs/)
    python -m ganlib sample NAME -n N -o FILE.npy
                                                N samples of a pretrained generator, float32 in [0, 1], (N, 28, 28)
    python -m ganlib sample NAME -n N -o FILE.npy --digit D
                                                only digit D, from a class-conditional generator (cdcgan-mnist)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ganlib.device import info


def list_models() -> str:
    """Pretrained checkpoints and shipped training runs on disk, and the recipes that train them."""
    from ganlib.checkpoints import checkpoint_dir, load_checkpoint, load_runs, runs_dir
    from ganlib.recipes import all_recipes

    lines = ["pretrained checkpoints (data/checkpoints):"]
    for path in sorted(checkpoint_dir().glob("*.pt")):
        meta = load_checkpoint(path)["meta"]
        lines.append(f"  {path.stem:<18} {meta.get('data', '')}")
    lines.append("shipped training runs (data/runs):")
    for path in sorted(runs_dir().glob("*.pt")):
        lines.append(f"  {path.stem:<18} {load_runs(path.stem)['meta'].get('data', '')}")
    lines.append("recipes (python -m ganlib train NAME):")
    lines += [f"  {r.name:<18} {r.description}" for r in sorted(all_recipes().values(), key=lambda r: r.name)]
    return "\n".join(lines)


def sample_to_file(name: str, n: int, output: Path, seed: int = 0, digit: int | None = None) -> Path:
    """Write ``n`` samples of the pretrained generator ``name`` to ``output`` (.npy, float32 in [0, 1]).

    A class-conditional generator draws every digit equally often, or only ``digit`` when it is given.
    """
    import numpy as np
    import torch

    from ganlib.checkpoints import pretrained
    from ganlib.checks import check_count

    check_count(n)
    if output.suffix != ".npy":
        raise ValueError(f"samples are written in NumPy's .npy format: name the output file {output.with_suffix('.npy')}, not {output}.")
    model = pretrained(name)
    if not hasattr(model, "sample"):
        raise ValueError(f"{name!r} is not a generator (it has no sample method); pick one from `python -m ganlib list`.")
    if digit is not None and not hasattr(model, "n_classes"):
        raise ValueError(
            f"{name!r} is not class-conditional, so it cannot be asked for a digit: drop --digit, "
            "or sample a conditional model such as cdcgan-mnist."
        )
    chosen = {} if digit is None else {"digit": digit}
    with torch.no_grad():
        images = model.sample(n, generator=torch.Generator().manual_seed(seed), **chosen)
    if images.shape != (n, 1, 28, 28):
        raise ValueError(
            f"{name!r} generates samples of shape {tuple(images.shape[1:])}, not 28x28 images; "
            "sample it in Python with ganlib.checkpoints.pretrained(name).sample(n)."
        )
    array = images.reshape(n, 28, 28).clamp(0, 1).cpu().numpy().astype(np.float32)
    output.parent.mkdir(parents=True, exist_ok=True)
    np.save(output, array)
    return output


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganlib", description="Tools of the ganlib course.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("info", help="versions, device, datasets and checkpoints on disk")
    commands.add_parser("list", help="pretrained models and training recipes")
    train = commands.add_parser("train", help="train a checkpoint from its recipe")
    train.add_argument("name")
    train.add_argument("--minutes", type=float, help="wall-time budget (default: the recipe's own)")
    train.add_argument("--output", type=Path, help="where to write the checkpoint (default: data/checkpoints/NAME.pt)")
    sample = commands.add_parser("sample", help="write samples of a pretrained generator to a .npy file")
    sample.add_argument("name")
    sample.add_argument("-n", type=int, default=64, help="number of samples")
    sample.add_argument("-o", "--output", type=Path, required=True, help="output .npy file")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--digit", type=int, help="only this digit (class-conditional models; default: every digit equally often)")
    args = parser.parse_args(argv)

    try:
        if args.command == "info":
            print(info())
        elif args.command == "list":
            print(list_models())
        elif args.command == "train":
            from ganlib.data import data_dir
            from ganlib.device import get_device
            from ganlib.recipes import recipe

            chosen = recipe(args.name)
            path = chosen.train(args.output or data_dir() / chosen.folder / f"{args.name}.pt", args.minutes, get_device())
            print(f"saved {path}")
        elif args.command == "sample":
            path = sample_to_file(args.name, args.n, args.output, args.seed, args.digit)
            which = "" if args.digit is None else f" of digit {args.digit}"
            print(f"wrote {args.n} samples{which} of {args.name} to {path}")
    except (KeyError, ValueError, RuntimeError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
