"""Command line of the course.

    python -m ganlib info                       versions, device, data and checkpoints on disk
    python -m ganlib list                       pretrained models, shipped runs and training recipes
    python -m ganlib train NAME [--minutes M]   (re)train a checkpoint into data/checkpoints/ (or runs into data/runs/)
    python -m ganlib train dcgan --data DIR --image-size 32|64 --channels 1|3 --steps N --output FILE.pt [--resume]
                                                the DCGAN on a folder of your own images (or --data mnist)
    torchrun --nproc-per-node=K -m ganlib train dcgan ...
                                                the same, data-parallel over K processes (GPUs, or CPU cores)
    python -m ganlib sample NAME -n N -o FILE.npy
                                                N samples of a pretrained generator, float32 in [0, 1], (N, 28, 28)
    python -m ganlib sample PATH.pt -n N -o FILE.npy
                                                the same from any ganlib checkpoint file: (N, H, W), or (N, H, W, 3)
                                                in colour
    python -m ganlib sample NAME -n N -o FILE.npy --digit D
                                                only digit D, from a class-conditional generator (cdcgan-mnist)
    python -m ganlib sample NAME -n N -o FILE.npy --sampler drs|mh
                                                samples corrected by a fitted density ratio (dcgan-mnist, gan-mnist,
                                                gan-grid-naive: 2-D points, written (N, 2)); prints the acceptance rate
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ganlib.device import info

if TYPE_CHECKING:  # imported when used, so that the command line starts fast
    import numpy as np
    import torch


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


SAMPLERS = ("plain", "drs", "mh")


def samples_as_array(samples: torch.Tensor) -> np.ndarray:
    """Generated samples as the float32 array ``sample`` writes: one-channel images ``(n, 1, H, W)`` become
    ``(n, H, W)`` and colour images ``(n, 3, H, W)`` become ``(n, H, W, 3)``, both clamped to [0, 1]; points
    ``(n, d)`` stay as they are."""
    import numpy as np

    if samples.ndim == 4 and samples.shape[1] in (1, 3):
        images = samples.clamp(0, 1)
        array = images[:, 0] if samples.shape[1] == 1 else images.permute(0, 2, 3, 1)
    elif samples.ndim == 2:
        array = samples
    else:
        raise ValueError(
            f"the generator makes samples of shape {tuple(samples.shape[1:])}, neither images (1 or 3 channels) nor "
            "points; sample it in Python with ganlib.checkpoints.build_model(load_checkpoint(path)).sample(n)."
        )
    return array.detach().cpu().numpy().astype(np.float32)


def load_generator(name: str) -> torch.nn.Module:
    """The generator ``name``: a shipped checkpoint's name, or the path of any ganlib checkpoint file (``*.pt``)."""
    from ganlib.checkpoints import build_model, load_checkpoint, pretrained

    if name.endswith(".pt") or Path(name).is_file():
        return build_model(load_checkpoint(name)).eval()
    return pretrained(name)


def sample_to_file(name: str, n: int, output: Path, seed: int = 0, digit: int | None = None, sampler: str = "plain") -> str:
    """Write ``n`` samples of the generator ``name`` (a shipped checkpoint's name or a checkpoint file's path) to
    ``output`` (.npy, float32); return a summary line.

    Images are written in [0, 1], shaped ``(n, H, W)`` (``(n, 28, 28)`` for the MNIST models) or ``(n, H, W, 3)``
    in colour; points of a 2-D generator as ``(n, 2)``. A
    class-conditional generator draws every digit equally often, or only ``digit`` when it is given.
    ``sampler`` "drs" or "mh" corrects the samples by a fitted density ratio
    (:mod:`ganlib.recipes.density_ratio`): discriminator rejection sampling or the Metropolis–Hastings GAN.
    """
    import numpy as np
    import torch

    from ganlib.checks import check_count

    check_count(n)
    if output.suffix != ".npy":
        raise ValueError(f"samples are written in NumPy's .npy format: name the output file {output.with_suffix('.npy')}, not {output}.")
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}.")
    if sampler != "plain" and digit is not None:
        raise ValueError("--digit and --sampler drs|mh cannot be combined: the density ratios are fitted to unconditional generators.")
    generator = torch.Generator().manual_seed(seed)
    summary = ""
    if sampler == "plain":
        model = load_generator(name)
        if not hasattr(model, "sample"):
            raise ValueError(f"{name!r} is not a generator (it has no sample method); pick one from `python -m ganlib list`.")
        if digit is not None and not hasattr(model, "n_classes"):
            raise ValueError(
                f"{name!r} is not class-conditional, so it cannot be asked for a digit: drop --digit, "
                "or sample a conditional model such as cdcgan-mnist."
            )
        with torch.no_grad():
            samples = model.sample(n, generator=generator, **({} if digit is None else {"digit": digit}))
    else:
        from ganlib.ratio_sampling import discriminator_rejection_sample, mh_gan_sample
        from ganlib.recipes.density_ratio import DRS_GAMMA, pretrained_density_ratio

        propose, ratio = pretrained_density_ratio(name, seed=seed, device="cpu")  # loads the generator itself
        if sampler == "drs":
            result = discriminator_rejection_sample(propose, ratio, n, generator=generator, gamma=DRS_GAMMA.get(name))
        else:
            result = mh_gan_sample(propose, ratio, n, generator=generator)
        samples = result.samples
        summary = (f"; {sampler}: acceptance rate {result.acceptance_rate:.1%}, {result.generator_calls:,} generator calls "
                   f"({result.calls_per_sample:.1f} per sample), calibration error {ratio.error_before:.3f} -> {ratio.error_after:.3f}")
    array = samples_as_array(samples)
    output.parent.mkdir(parents=True, exist_ok=True)
    np.save(output, array)
    which = "" if digit is None else f" of digit {digit}"
    return f"wrote {n} samples{which} of {name} to {output}{summary}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganlib", description="Tools of the ganlib course.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("info", help="versions, device, datasets and checkpoints on disk")
    commands.add_parser("list", help="pretrained models and training recipes")
    train = commands.add_parser("train", help="train a checkpoint from its recipe")
    train.add_argument("name")
    train.add_argument("--minutes", type=float, help="wall-time budget (default: the recipe's own)")
    train.add_argument("--output", type=Path, help="where to write the checkpoint (default: data/checkpoints/NAME.pt)")
    own = train.add_argument_group("your own images (NAME = dcgan)")
    own.add_argument("--data", help="a folder of PNG/JPEG images (searched recursively), or mnist for the shipped subset")
    own.add_argument("--image-size", type=int, default=64, choices=(32, 64))
    own.add_argument("--channels", type=int, default=3, choices=(1, 3))
    own.add_argument("--steps", type=int, default=5000)
    own.add_argument("--width", type=int, default=64, help="channels of the widest block divided by 8 (64 pixels)")
    own.add_argument("--batch-size", type=int, default=128)
    own.add_argument("--snapshot-every", type=int, default=500, help="steps between snapshot grids beside the checkpoint")
    own.add_argument("--resume", action="store_true", help="continue the run saved beside --output (FILE.state.pt) up to --steps")
    own.add_argument("--memory-mb", type=float, default=2048,
                     help="keep the decoded images in memory up to this size; stream a larger folder from disk (slower)")
    own.add_argument("--workers", type=int, default=2, help="DataLoader processes that decode a streamed folder")
    own.add_argument("--compile", action="store_true", help="torch.compile both networks (pays back on GPUs, not on CPUs)")
    sample = commands.add_parser("sample", help="write samples of a pretrained generator to a .npy file")
    sample.add_argument("name", help="a pretrained model's name (python -m ganlib list) or a checkpoint file, PATH.pt")
    sample.add_argument("-n", type=int, default=64, help="number of samples")
    sample.add_argument("-o", "--output", type=Path, required=True, help="output .npy file")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--digit", type=int, help="only this digit (class-conditional models; default: every digit equally often)")
    sample.add_argument("--sampler", choices=SAMPLERS, default="plain",
                        help="plain draws; drs (discriminator rejection sampling) or mh (Metropolis-Hastings GAN) correct them "
                             "by a density ratio fitted first (dcgan-mnist, gan-mnist, gan-grid-naive)")
    args = parser.parse_args(argv)

    try:
        if args.command == "info":
            print(info())
        elif args.command == "list":
            print(list_models())
        elif args.command == "train" and args.name == "dcgan":
            from ganlib.device import get_device
            from ganlib.recipes.image_folder import FolderSettings, train_on_folder

            if args.data is None or args.output is None:
                raise ValueError("train dcgan needs --data DIR (or --data mnist) and --output FILE.pt.")
            settings = FolderSettings(image_size=args.image_size, channels=args.channels, width=args.width,
                                      batch_size=args.batch_size)
            path = train_on_folder(args.data, args.output, steps=args.steps, settings=settings,
                                   snapshot_every=args.snapshot_every, resume=args.resume, device=get_device(),
                                   memory_budget=int(args.memory_mb * 2**20), workers=args.workers, compile_networks=args.compile)
            if path is not None:  # None: a process other than torchrun's first, which writes nothing
                print(f"saved {path} (snapshots: {path.with_suffix('.png')})")
        elif args.command == "train":
            from ganlib.data import data_dir
            from ganlib.device import get_device
            from ganlib.recipes import recipe

            if args.data is not None:
                raise ValueError(f"--data trains on your own images with `train dcgan`; the recipe {args.name!r} has its own data.")
            chosen = recipe(args.name)
            path = chosen.train(args.output or data_dir() / chosen.folder / f"{args.name}.pt", args.minutes, get_device())
            print(f"saved {path}")
        elif args.command == "sample":
            print(sample_to_file(args.name, args.n, args.output, args.seed, args.digit, args.sampler))
    except (KeyError, ValueError, RuntimeError, OSError) as error:  # OSError: missing folders, unwritable files
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        from ganlib.recipes.distributed import launched_by_torchrun

        where = f"process {os.environ['RANK']} of {os.environ['WORLD_SIZE']}: " if launched_by_torchrun() else ""
        print(f"error: {where}{message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
