"""Pretrained generators corrected by a fitted density ratio (issue 18): plain sampling beside DRS and the MH-GAN.

    python benchmarks/ratio_sampling.py                    # all three models, the settings of python -m ganlib sample
    python benchmarks/ratio_sampling.py --models dcgan-mnist --gamma -1 --chain-length 50
    python benchmarks/ratio_sampling.py --models dcgan-mnist --fit-seeds 0 1 2   # how much the fit itself matters
    python benchmarks/ratio_sampling.py --models dcgan-mnist --unbalanced         # the ratio as learnt, not balanced by digit

For each model the density ratio is fitted (``ganlib.recipes.density_ratio``, with each of ``--fit-seeds``, default
0), then each sampler draws n samples with seeds 0, 1, 2, and every measure is the mean over the three draws (the
Fréchet ratio of 1,000 samples moves by a tenth or more from one draw to the next):

* MNIST generators: 1,000 samples scored by ``ganlib.metrics.evaluation.evaluate``, in the evaluation network's
  features and (the ``judge`` columns) in the independent ``judge-classifier``'s;
* ``gan-grid-naive``: 2,500 samples scored by ``ganlib.metrics.modes.mode_coverage``.

It prints the figures and the issue's targets beside them; it asserts nothing. The ratio is the output of a
training run, so its figures differ in their last digits from one CPU to another.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import torch

from ganlib.metrics.evaluation import evaluate
from ganlib.metrics.modes import mode_coverage
from ganlib.ratio_sampling import RatioSamples, discriminator_rejection_sample, mh_gan_sample
from ganlib.recipes.density_ratio import DRS_GAMMA, RATIO_MODELS, pretrained_density_ratio

SEEDS = (0, 1, 2)
IMAGE_COLUMNS = ("confident", "class_entropy", "frechet_ratio", "precision", "recall", "memorisation")


def measure(name: str, samples: torch.Tensor) -> dict[str, float]:
    """Mode coverage on the grid; for digits, the evaluation network's measures and the independent judge's
    confident share and Fréchet ratio (``judge_...``)."""
    if name == "gan-grid-naive":
        return mode_coverage(samples.cpu(), "grid")
    scores = {k: v for k, v in evaluate(samples, samples.shape[0], seed=0).items() if k in IMAGE_COLUMNS}
    judge = evaluate(samples, samples.shape[0], seed=0, network="judge-classifier")
    return scores | {"judge_confident": judge["confident"], "judge_frechet_ratio": judge["frechet_ratio"]}


def rows_for(
    name: str, gamma: float | None, chain_length: int, fit_seed: int = 0, balance: bool = True
) -> list[tuple[str, dict[str, float]]]:
    """``(sampler, mean measures)`` for plain sampling, DRS and the MH-GAN on ``name``."""
    n = 2500 if name == "gan-grid-naive" else 1000
    start = time.perf_counter()
    propose, ratio = pretrained_density_ratio(name, seed=fit_seed, balance=balance)
    fitted = time.perf_counter() - start
    print(f"\n{name}, fit seed {fit_seed}{'' if balance else ', not balanced by digit'}: ratio fitted in {fitted:.0f} s; held-out calibration error "
          f"{ratio.error_before:.3f} -> {ratio.error_after:.3f}; {n:,} samples, mean of seeds {SEEDS}")

    def plain(n: int, generator: torch.Generator) -> RatioSamples:
        return RatioSamples(propose(n, generator), 1.0, n)

    samplers: dict[str, Callable[..., RatioSamples]] = {
        "plain": plain,
        "drs": lambda n, generator: discriminator_rejection_sample(propose, ratio, n, generator=generator, gamma=gamma),
        "mh": lambda n, generator: mh_gan_sample(propose, ratio, n, generator=generator, chain_length=chain_length),
    }
    rows = []
    for label, sample in samplers.items():
        runs = [sample(n, torch.Generator().manual_seed(seed)) for seed in SEEDS]
        scores = [measure(name, run.samples) for run in runs]
        row = {key: statistics.fmean(s[key] for s in scores) for key in scores[0]}
        row["acceptance"] = statistics.fmean(run.acceptance_rate for run in runs)
        row["calls_per_sample"] = statistics.fmean(run.calls_per_sample for run in runs)
        rows.append((label, row))
    return rows


def table(name: str, rows: list[tuple[str, dict[str, float]]]) -> str:
    columns = [k for k in rows[0][1] if k != "n_modes"]
    lines = [f"| {name} | " + " | ".join(c.replace("_", " ") for c in columns) + " |", "|---|" + "---:|" * len(columns)]
    for label, row in rows:
        lines.append(f"| {label} | " + " | ".join(f"{row[c]:.3f}" if c != "modes" else f"{row[c]:.1f}" for c in columns) + " |")
    return "\n".join(lines)


def targets(name: str, rows: list[tuple[str, dict[str, float]]]) -> str:
    """The issue's targets for ``name``, met or not, by the better corrected sampler."""
    plain = rows[0][1]
    corrected = rows[1:]
    if name == "gan-grid-naive":
        met = [(label, row["modes"] == 25 and row["high_quality"] >= 0.95) for label, row in corrected]
        rule = "25/25 modes and >= 95% high quality"
    elif name == "dcgan-mnist":
        met = [(label, row["confident"] >= 0.95 and row["class_entropy"] >= 2.28 and row["memorisation"] <= 0.02
                and row["frechet_ratio"] <= plain["frechet_ratio"]) for label, row in corrected]
        rule = ">= 95% confident, class entropy >= 2.28, Fréchet ratio no worse than plain, near-copies <= 2%"
    else:
        return ""
    return f"target ({rule}): " + ", ".join(f"{label} {'met' if ok else 'NOT met'}" for label, ok in met)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(RATIO_MODELS), choices=RATIO_MODELS)
    parser.add_argument("--gamma", type=float, help="DRS shift (default: the model's own, DRS_GAMMA)")
    parser.add_argument("--chain-length", type=int, default=20, help="MH-GAN proposals per sample (default 20)")
    parser.add_argument("--fit-seeds", type=int, nargs="+", default=[0], help="seeds of the ratio's fit (default 0)")
    parser.add_argument("--unbalanced", action="store_true", help="MNIST models: the ratio as learnt, not balanced by digit")
    args = parser.parse_args(argv)
    for name in args.models:
        for fit_seed in args.fit_seeds:
            gamma = args.gamma if args.gamma is not None else DRS_GAMMA.get(name)
            rows = rows_for(name, gamma, args.chain_length, fit_seed, balance=not args.unbalanced)
            print("\n" + table(name, rows))
            print(targets(name, rows), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
