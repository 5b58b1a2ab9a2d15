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
    python -m ganlib [COMMAND] --help           the options of a command, with their defaults, and the recipes
    python -m ganlib --version                  ganlib's version

The exit status says how it went, as for any command: 0 done; 1 failed while working (a missing data folder or
checkpoint, a run that cannot resume, an error in training); 2 a usage error, found before any work starts
(an unknown command, recipe or option, a bad value, an option the recipe does not take, an output that
cannot be written); 130 interrupted with Ctrl-C (a run on your own images saves its weights first).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ganlib import __version__
from ganlib.device import info

if TYPE_CHECKING:  # imported when used, so that the command line starts fast
    import numpy as np
    import torch


def list_models() -> str:
    """Pretrained checkpoints and shipped training runs on disk, and the recipes that train them."""
    from ganlib.checkpoints import checkpoint_dir, load_checkpoint, load_runs, runs_dir

    lines = ["pretrained checkpoints (data/checkpoints):"]
    for path in sorted(checkpoint_dir().glob("*.pt")):
        meta = load_checkpoint(path)["meta"]
        lines.append(f"  {path.stem:<18} {meta.get('data', '')}")
    lines.append("shipped training runs (data/runs):")
    for path in sorted(runs_dir().glob("*.pt")):
        lines.append(f"  {path.stem:<18} {load_runs(path.stem)['meta'].get('data', '')}")
    return "\n".join(lines + [recipe_table()])


OWN_IMAGES = "dcgan"  # `train dcgan --data DIR`: the DCGAN on your own images, not a recipe with data of its own
FOR_OWN_IMAGES = ("data", "image_size", "channels", "steps", "width", "batch_size", "snapshot_every", "resume",
                  "memory_mb", "workers", "compile")  # the options of `train dcgan`, which no recipe takes


def recipe_table() -> str:
    """The names ``train NAME`` takes, one line each with what it trains (for ``list`` and the help)."""
    from ganlib.recipes import all_recipes  # imports every recipe's module: a few hundredths of a second

    recipes = sorted(all_recipes().values(), key=lambda r: r.name)
    lines = [f"  {r.name:<18} {r.description}" for r in recipes]
    lines.append(f"  {OWN_IMAGES:<18} the DCGAN on your own images: train dcgan --data DIR --output FILE.pt")
    return "\n".join(["recipes (python -m ganlib train NAME):", *lines])


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


def check_sample_request(n: int, output: Path, digit: int | None = None, sampler: str = "plain") -> None:
    """Refuse, before any model is loaded, a request of :func:`sample_to_file` that cannot be met whatever the
    model: no samples, an output that is not a writable .npy file, an unknown sampler, or a digit asked of one."""
    from ganlib.checks import check_count, check_writable

    check_count(n)
    if output.suffix != ".npy":
        raise ValueError(f"samples are written in NumPy's .npy format: name the output file {output.with_suffix('.npy')}, not {output}.")
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}.")
    if sampler != "plain" and digit is not None:
        raise ValueError("--digit and --sampler drs|mh cannot be combined: the density ratios are fitted to unconditional generators.")
    check_writable(output, "-o")


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

    check_sample_request(n, output, digit, sampler)
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
    np.save(output, samples_as_array(samples))
    which = "" if digit is None else f" of digit {digit}"
    return f"wrote {n} samples{which} of {name} to {output}{summary}"


def build_parser() -> argparse.ArgumentParser:
    """The command line: four commands, each with its own options; every command's parser is kept in its
    results as ``command_parser``, for usage errors found after parsing (:func:`check_command_line`)."""
    from ganlib.recipes import all_recipes

    help_format = {"formatter_class": argparse.RawDescriptionHelpFormatter, "epilog": recipe_table()}
    parser = argparse.ArgumentParser(prog="python -m ganlib", **help_format, description=(
        "Tools of the ganlib course. python -m ganlib COMMAND --help shows the options of a command and their defaults."))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("info", help="versions, device, datasets and checkpoints on disk")
    commands.add_parser("list", help="pretrained models and training recipes")

    train = commands.add_parser("train", help="train a checkpoint from its recipe, or the DCGAN on your own images",
                                **help_format)
    train.add_argument("name", metavar="NAME", choices=[*sorted(all_recipes()), OWN_IMAGES],
                       help=f"a recipe (listed below), or {OWN_IMAGES} for your own images")
    train.add_argument("--minutes", type=float, metavar="M",
                       help="wall-time budget of a recipe (default: the recipe's own)")
    train.add_argument("--output", type=Path, metavar="FILE.pt",
                       help="where to write the checkpoint (default for a recipe: data/checkpoints/NAME.pt, or data/runs/NAME.pt)")
    own = train.add_argument_group(f"your own images (NAME = {OWN_IMAGES})")
    own.add_argument("--data", metavar="DIR",
                     help="a folder of PNG/JPEG images (searched recursively), or mnist for the shipped subset")
    own.add_argument("--image-size", type=int, default=64, choices=(32, 64),
                     help="side of the square images (default: %(default)s)")
    own.add_argument("--channels", type=int, default=3, choices=(1, 3), help="1 grey, 3 colour (default: %(default)s)")
    own.add_argument("--steps", type=int, default=5000,
                     help="training steps in all, resumed ones included (default: %(default)s)")
    own.add_argument("--width", type=int, default=64,
                     help="channels of the widest block divided by 8 (64 pixels) (default: %(default)s)")
    own.add_argument("--batch-size", type=int, default=128,
                     help="images per step, over all processes (default: %(default)s)")
    own.add_argument("--snapshot-every", type=int, default=500,
                     help="steps between snapshot grids beside the checkpoint (default: %(default)s)")
    own.add_argument("--resume", action="store_true",
                     help="continue the run saved beside --output (FILE.state.pt) up to --steps")
    own.add_argument("--memory-mb", type=float, default=2048,
                     help="keep the decoded images in memory up to this size; stream a larger folder from disk (slower) "
                          "(default: %(default)s)")
    own.add_argument("--workers", type=int, default=2,
                     help="DataLoader processes that decode a streamed folder (default: %(default)s)")
    own.add_argument("--compile", action="store_true", help="torch.compile both networks (pays back on GPUs, not on CPUs)")

    sample = commands.add_parser("sample", help="write samples of a pretrained generator to a .npy file")
    sample.add_argument("name", help="a pretrained model's name (python -m ganlib list) or a checkpoint file, PATH.pt")
    sample.add_argument("-n", type=int, default=64, help="number of samples (default: %(default)s)")
    sample.add_argument("-o", "--output", type=Path, required=True, help="output .npy file")
    sample.add_argument("--seed", type=int, default=0, help="seed of the random codes (default: %(default)s)")
    sample.add_argument("--digit", type=int,
                        help="only this digit (class-conditional models; default: every digit equally often)")
    sample.add_argument("--sampler", choices=SAMPLERS, default="plain",
                        help="plain draws; drs (discriminator rejection sampling) or mh (Metropolis-Hastings GAN) correct "
                             "them by a density ratio fitted first (dcgan-mnist, gan-mnist, gan-grid-naive) (default: %(default)s)")
    for command in commands.choices.values():
        command.set_defaults(command_parser=command)
    return parser


def options_given(args: argparse.Namespace, names: Sequence[str]) -> list[str]:
    """The options among ``names`` (destinations, ``image_size``) that the command line gave: those whose value is
    not the default (giving an option its default value changes nothing, so it is not counted)."""
    parser = args.command_parser
    return [f"--{name.replace('_', '-')}" for name in names if getattr(args, name) != parser.get_default(name)]


def check_own_images_request(args: argparse.Namespace) -> None:
    """Refuse a ``train dcgan`` command line that cannot run: --minutes, no --data or --output, fewer than one
    step, or a checkpoint, snapshot or training state that cannot be written."""
    from ganlib.recipes.image_folder import check_request

    if extra := options_given(args, ["minutes"]):
        raise ValueError(f"{extra[0]} is not an option of `train {OWN_IMAGES}`, which trains for --steps steps; leave it out.")
    if args.data is None or args.output is None:
        raise ValueError(f"train {OWN_IMAGES} needs --data DIR (or --data mnist) and --output FILE.pt.")
    check_request(args.output, args.steps)


def check_recipe_request(args: argparse.Namespace) -> None:
    """Refuse a ``train NAME`` command line that cannot run: options of your own images, a time budget that is
    not positive, or an output that cannot be written."""
    from ganlib.checks import check_writable

    if extra := options_given(args, FOR_OWN_IMAGES):
        raise ValueError(f"{', '.join(extra)}: not options of the recipe {args.name!r}, which has its own data and settings, "
                         f"but of `train {OWN_IMAGES}` on your own images; leave them out.")
    if args.minutes is not None and args.minutes <= 0:
        raise ValueError(f"--minutes must be positive, got {args.minutes:g}.")
    check_writable(recipe_output(args))


def recipe_output(args: argparse.Namespace) -> Path:
    """Where ``train NAME`` writes: --output, or the recipe's file in data/checkpoints (or data/runs)."""
    from ganlib.data import data_dir
    from ganlib.recipes import recipe

    return args.output or data_dir() / recipe(args.name).folder / f"{args.name}.pt"


def check_command_line(args: argparse.Namespace) -> None:
    """Stop with a usage error (exit status 2) when the command line cannot run as written, before any work:
    the checks of ``sample`` and ``train`` that need no model and no data."""
    try:
        if args.command == "sample":
            check_sample_request(args.n, args.output, args.digit, args.sampler)
        elif args.command == "train" and args.name == OWN_IMAGES:
            check_own_images_request(args)
        elif args.command == "train":
            check_recipe_request(args)
    except ValueError as error:
        args.command_parser.error(str(error))


def train_own_images(args: argparse.Namespace) -> None:
    """``train dcgan --data DIR ...``: the DCGAN on a folder of images (:mod:`ganlib.recipes.image_folder`)."""
    from ganlib.device import get_device
    from ganlib.recipes.image_folder import FolderSettings, train_on_folder

    settings = FolderSettings(image_size=args.image_size, channels=args.channels, width=args.width,
                              batch_size=args.batch_size)
    path = train_on_folder(args.data, args.output, steps=args.steps, settings=settings,
                           snapshot_every=args.snapshot_every, resume=args.resume, device=get_device(),
                           memory_budget=int(args.memory_mb * 2**20), workers=args.workers, compile_networks=args.compile)
    if path is not None:  # None: a process other than torchrun's first, which writes nothing
        print(f"saved {path} (snapshots: {path.with_suffix('.png')})")


def run(args: argparse.Namespace) -> None:
    """Do what the (checked) command line asks."""
    if args.command == "info":
        print(info())
    elif args.command == "list":
        print(list_models())
    elif args.command == "train" and args.name == OWN_IMAGES:
        train_own_images(args)
    elif args.command == "train":
        from ganlib.device import get_device
        from ganlib.recipes import recipe

        path = recipe(args.name).train(recipe_output(args), args.minutes, get_device())
        print(f"saved {path}")
    elif args.command == "sample":
        print(sample_to_file(args.name, args.n, args.output, args.seed, args.digit, args.sampler))


def report(error: Exception) -> None:
    """Print an error of a command as one line on stderr; under torchrun, with the process it happened in."""
    from ganlib.recipes.distributed import launched_by_torchrun

    message = error.args[0] if isinstance(error, KeyError) and error.args else error
    where = f"process {os.environ['RANK']} of {os.environ['WORLD_SIZE']}: " if launched_by_torchrun() else ""
    print(f"error: {where}{message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line; return its exit status: 0 done, 1 failed, 2 a usage error, 130 interrupted (Ctrl-C)."""
    try:
        args = build_parser().parse_args(argv)
        check_command_line(args)
    except SystemExit as stop:  # argparse has printed the help, the version or the usage error
        return int(stop.code or 0)
    try:
        run(args)
    except KeyboardInterrupt:  # no traceback: a run on your own images has said where its weights are saved
        return 130
    except (KeyError, ValueError, RuntimeError, OSError) as error:  # OSError: missing folders, unreadable files
        report(error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
