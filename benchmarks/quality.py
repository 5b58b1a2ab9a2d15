"""Sample quality of every pretrained generator in data/checkpoints/, as a markdown table and a CSV file.

    python benchmarks/quality.py                      # table on stdout, CSV in build/quality.csv
    python benchmarks/quality.py --csv other.csv --n 1000 --seed 0
    python benchmarks/quality.py --readme             # also rewrite README.md's results section and its grids
    python benchmarks/quality.py --corrected          # also rows for DRS and the MH-GAN (not written to the README)

Only image generators are compared; the 2-D toy generators (``gmmn-ring``, ``gan-grid``, ...) are scored by
mode coverage instead, in notebook 07.

Each generator draws ``n`` samples that :func:`ganlib.metrics.evaluation.evaluate` compares with the MNIST subset's
training images. The first row, "real data", scores ``n`` real digits that no row's reference contains
(the 500 val images and 500 training images held out of its training set), so that every column has a
baseline: what a generator that draws fresh real digits would score.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import torch

from ganlib.checkpoints import checkpoint_dir, load_checkpoint, pretrained
from ganlib.data.mnist import load_mnist
from ganlib.device import get_device
from ganlib.metrics.evaluation import draw, evaluate, evaluate_real_data
from ganlib.models import MODELS

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = {  # key of evaluate(): (column title, format)
    "confident": ("confident", ".3f"),
    "class_entropy": ("class entropy", ".3f"),
    "frechet": ("Fréchet", ".1f"),
    "frechet_floor": ("floor", ".1f"),
    "frechet_ratio": ("Fréchet / floor", ".2f"),
    "precision": ("precision", ".3f"),
    "recall": ("recall", ".3f"),
    "memorisation": ("memorised", ".3f"),
    "judge_confident": ("judge: confident", ".3f"),
    "judge_frechet_ratio": ("judge: Fréchet / floor", ".2f"),
}
JUDGE = "judge-classifier"  # the independent judge (ganlib.recipes.classifier): its measures join each row


IMAGE_SHAPE = (1, 28, 28)
README = ROOT / "README.md"
GRIDS = ROOT / "docs" / "results"  # one small PNG of samples per model, linked from the README
START, END = "<!-- results:start -->", "<!-- results:end -->"


def generator_names(images: bool = True) -> list[str]:
    """Checkpoints in data/checkpoints/ whose model can ``sample`` (the classifier cannot).

    With ``images=True`` only those drawing 28×28 images (MNIST generators), otherwise only the others
    (the 2-D toy generators).
    """
    names = []
    for path in sorted(checkpoint_dir().glob("*.pt")):
        model_class = MODELS.get(load_checkpoint(path)["model_class"])
        if model_class is not None and hasattr(model_class, "sample"):
            draws_images = tuple(pretrained(path.stem).sample(1, torch.Generator().manual_seed(0)).shape[1:]) == IMAGE_SHAPE
            if draws_images == images:
                names.append(path.stem)
    return names


def judged(scores: dict[str, float], judge: dict[str, float]) -> dict[str, float]:
    """``scores`` with the judge's confident share and Fréchet ratio added, as ``judge_confident`` and
    ``judge_frechet_ratio``."""
    return {**scores, "judge_confident": judge["confident"], "judge_frechet_ratio": judge["frechet_ratio"]}


def quality_rows(n: int = 1000, seed: int = 0) -> list[dict[str, float | str]]:
    """One row per model, "real data" first: ``{"model": name, **evaluate(...)}``, with the judge's two columns."""
    real = judged(evaluate_real_data(n, seed), evaluate_real_data(n, seed, network=JUDGE))
    rows: list[dict[str, float | str]] = [{"model": "real data", **real}]
    device = get_device()
    for name in generator_names():
        samples = draw(pretrained(name, device), n, seed)  # what evaluate(model, n, seed=seed) would draw
        rows.append({"model": name, **judged(evaluate(samples, n, seed=seed), evaluate(samples, n, seed=seed, network=JUDGE))})
    return rows


def corrected_rows(n: int = 1000, seed: int = 0) -> list[dict[str, float | str]]:
    """Rows for the MNIST generators with a density-ratio recipe, corrected by DRS and by the MH-GAN (chains of
    20), as ``python -m ganlib sample NAME --sampler drs|mh`` draws them. The ratio is fitted here (seed 0), so
    these rows move from one CPU to another; ``benchmarks/ratio_sampling.py`` averages them over draws."""
    from ganlib.ratio_sampling import discriminator_rejection_sample, mh_gan_sample
    from ganlib.recipes.density_ratio import RATIO_MODELS, pretrained_density_ratio

    rows: list[dict[str, float | str]] = []
    for name in (m for m in RATIO_MODELS if m in generator_names()):
        propose, ratio = pretrained_density_ratio(name)
        for label, sampler in (("DRS", discriminator_rejection_sample), ("MH-GAN", mh_gan_sample)):
            samples = sampler(propose, ratio, n, generator=torch.Generator().manual_seed(seed)).samples
            rows.append({"model": f"{name} + {label}",
                         **judged(evaluate(samples, n, seed=seed), evaluate(samples, n, seed=seed, network=JUDGE))})
    return rows


def markdown_table(rows: list[dict[str, float | str]]) -> str:
    """The rows as a markdown table with the columns of ``COLUMNS``, numbers at a fixed precision."""
    lines = [
        "| model | " + " | ".join(title for title, _ in COLUMNS.values()) + " |",
        "|---|" + "---:|" * len(COLUMNS),
    ]
    for row in rows:
        cells = [format(row[key], spec) for key, (_, spec) in COLUMNS.items()]
        lines.append(f"| {row['model']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def quality_table(n: int = 1000, seed: int = 0) -> str:
    """The markdown table of :func:`quality_rows`, as printed by this script (and quoted in the README)."""
    return markdown_table(quality_rows(n, seed))


def write_csv(rows: list[dict[str, float | str]], path: Path) -> Path:
    """Every value of every row (including the per-digit shares) as CSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def save_grids(names: list[str], folder: Path = GRIDS, seed: int = 0) -> list[Path]:
    """A 2×8 grid of samples per model (16 random validation digits for "real data"), as small PNGs."""
    from matplotlib import pyplot as plt

    from ganlib.plotting import tile_images

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):  # a model whose checkpoint is gone loses its grid too
        old.unlink()
    paths = []
    for name in ["real data", *names]:
        if name == "real data":
            val = load_mnist("val", source="subset")[0]  # sorted by digit: draw 16 at random
            images = val[torch.randperm(len(val), generator=torch.Generator().manual_seed(seed))[:16]]
        else:
            images = pretrained(name).sample(16, torch.Generator().manual_seed(seed))
        path = folder / f"{name.replace(' ', '-')}.png"
        plt.imsave(path, tile_images(images, nrow=8), cmap="gray", vmin=0, vmax=1)
        paths.append(path)
    return paths


def readme_section(table: str, grids: list[Path], n: int, seed: int) -> str:
    """The README's results section (between the markers): the command, the table and the sample grids."""
    command = "python benchmarks/quality.py --readme" + (f" --n {n}" if n != 1000 else "") + (f" --seed {seed}" if seed else "")
    cells = " | ".join(f"![{p.stem}]({p.relative_to(ROOT).as_posix()})" for p in grids)
    names = " | ".join(p.stem for p in grids)
    return "\n".join([
        START,
        f"Generated by `{command}` (do not edit by hand; `tests/test_readme_results.py` recomputes the table "
        f"from the checkpoints in `data/checkpoints/` and fails when it is stale). Each model draws n = {n} "
        f"samples (seed {seed}), compared with the subset's training digits on the features of the evaluation classifier; "
        "the last two columns score the same samples with the independent judge (`judge-classifier`: another "
        "architecture, another seed, the other half of the training digits). Notebook 07 explains every column.",
        "",
        table,
        "",
        f"Sixteen samples of each model (seed {seed}), and sixteen held-out real digits:",
        "",
        f"| {names} |",
        "|" + "---|" * len(grids),
        f"| {cells} |",
        END,
    ])


def readme_table(text: str) -> str:
    """The markdown table inside the results section of a README's text (raises if the markers are missing)."""
    if START not in text or END not in text:
        raise ValueError(f"README.md has no results section; add {START} and {END} and run quality.py --readme.")
    section = text.split(START, 1)[1].split(END, 1)[0].splitlines()
    header = next((i for i, line in enumerate(section) if line.startswith("| model |")), None)
    if header is None:
        raise ValueError("README.md's results section holds no table; run quality.py --readme.")
    table = []
    for line in section[header:]:
        if not line.startswith("|"):
            break
        table.append(line)
    return "\n".join(table)


def write_readme(rows: list[dict[str, float | str]], n: int, seed: int, readme: Path = README) -> Path:
    """Replace README's results section with the table of ``rows`` and fresh sample grids."""
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise ValueError(f"{readme} has no results section; put {START} and {END} where it should go.")
    grids = save_grids([str(row["model"]) for row in rows[1:]], seed=seed)
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    readme.write_text(before + readme_section(markdown_table(rows), grids, n, seed) + after, encoding="utf-8")
    return readme


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="samples per model (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", type=Path, default=ROOT / "build" / "quality.csv", help="CSV output file")
    parser.add_argument("--readme", action="store_true", help="rewrite README.md's results section and docs/results/*.png")
    parser.add_argument("--corrected", action="store_true", help="also print rows for DRS and the MH-GAN (fits a density ratio)")
    args = parser.parse_args(argv)
    rows = quality_rows(args.n, args.seed)
    extra = corrected_rows(args.n, args.seed) if args.corrected else []
    print(markdown_table(rows + extra))
    print(f"\nwrote {write_csv(rows + extra, args.csv)}", file=sys.stderr)
    if args.readme:
        print(f"wrote {write_readme(rows, args.n, args.seed)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
