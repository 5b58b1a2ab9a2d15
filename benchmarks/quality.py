"""Sample quality of every pretrained generator in data/checkpoints/, as a markdown table and a CSV file.

    python benchmarks/quality.py                      # table on stdout, CSV in build/quality.csv
    python benchmarks/quality.py --csv other.csv --n 1000 --seed 0

Each generator draws ``n`` samples that :func:`ganlib.metrics.evaluate` compares with the MNIST subset's
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

from ganlib.checkpoints import load_checkpoint, pretrained
from ganlib.data import load_mnist
from ganlib.device import get_device
from ganlib.metrics import evaluate
from ganlib.models import MODELS
from ganlib.paths import checkpoint_dir

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
}


def generator_names() -> list[str]:
    """Checkpoints in data/checkpoints/ whose model class can ``sample`` (the classifier cannot)."""
    names = []
    for path in sorted(checkpoint_dir().glob("*.pt")):
        model_class = MODELS.get(load_checkpoint(path)["model_class"])
        if model_class is not None and hasattr(model_class, "sample"):
            names.append(path.stem)
    return names


def real_data_row(n: int, seed: int) -> dict[str, float]:
    """The metrics of ``n`` real digits held out of the training images they are compared with."""
    val = load_mnist("val", source="subset")[0]
    train = load_mnist("train", source="subset")[0]
    held_out = max(n - len(val), 0)
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))
    samples = torch.cat([val, train[order[:held_out]]])
    return evaluate(samples, n, seed=seed, train=train[order[held_out:]])


def quality_rows(n: int = 1000, seed: int = 0) -> list[dict[str, float | str]]:
    """One row per model, "real data" first: ``{"model": name, **evaluate(...)}``."""
    rows: list[dict[str, float | str]] = [{"model": "real data", **real_data_row(n, seed)}]
    device = get_device()
    for name in generator_names():
        rows.append({"model": name, **evaluate(pretrained(name, device), n, seed=seed)})
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="samples per model (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", type=Path, default=ROOT / "build" / "quality.csv", help="CSV output file")
    args = parser.parse_args(argv)
    rows = quality_rows(args.n, args.seed)
    print(markdown_table(rows))
    print(f"\nwrote {write_csv(rows, args.csv)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
