"""How long a latent slider takes to show a new image: decode one code and encode the PNG.

    python benchmarks/widgets.py            # every pretrained generator in data/checkpoints/

Prints the median and 90th percentile over 50 slider moves per model, against the 50 ms target.
"""

from __future__ import annotations

import statistics
import sys
import time

import torch

from ganlib.checkpoints import checkpoint_dir, pretrained
from ganlib.models.generator import Generator
from ganlib.widgets import latent_sliders

TARGET_MS = 50.0
MOVES = 50


def slider_latency_ms(model: Generator, moves: int = MOVES) -> list[float]:
    """Milliseconds from setting a slider's value to the Image widget holding the new PNG."""
    panel = latent_sliders(model, dims=[0])
    control = panel.controls["z0"]
    times = []
    for i in range(moves):
        value = -2.0 + 4.0 * (i % 20) / 19
        start = time.perf_counter()
        control.value = value  # outside a kernel, ipywidgets runs the observer synchronously
        times.append(1000 * (time.perf_counter() - start))
    return times


def main() -> int:
    torch.set_grad_enabled(False)
    names = sorted(p.stem for p in checkpoint_dir().glob("*.pt"))
    print(f"{'model':<18} {'median ms':>10} {'p90 ms':>8}  target {TARGET_MS:.0f} ms")
    for name in names:
        model = pretrained(name)
        if not isinstance(model, Generator):
            continue
        times = slider_latency_ms(model)
        median, p90 = statistics.median(times), statistics.quantiles(times, n=10)[-1]
        verdict = "ok" if median <= TARGET_MS else "SLOW"
        print(f"{name:<18} {median:>10.1f} {p90:>8.1f}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
