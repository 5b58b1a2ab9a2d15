"""Images per second of the image-folder DCGAN trained by 1 and by 2 processes (torchrun, gloo) on this CPU.

Each run trains the DCGAN of ``ganlib.models.image_dcgan`` (64×64, one channel, width 32) on the MNIST subset
resized to 64×64, with a global batch of 64, through the same pieces as ``python -m ganlib train dcgan``:
``ganlib.recipes.distributed`` (process group, DistributedDataParallel), ``BatchIterator`` shares and
``ganlib.train.train``. The timed steps follow a few untimed warm-up steps.

Two processes on two cores are not expected to be faster than one: torchrun gives each process one thread,
so the cores do the same arithmetic as one process with two threads, on half batches (smaller matrix products
run less efficiently), and every step adds an all-reduce of both networks' gradients through gloo. Data
parallelism pays where each process has a device of its own: one GPU each.

    python benchmarks/distributed.py [--steps 20]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def worker(steps: int, warmup: int) -> None:
    """One process of the run (started by torchrun); process 0 prints the images per second."""
    import torch

    from ganlib.data.batches import BatchIterator
    from ganlib.device import own_rng
    from ganlib.gan import GAN
    from ganlib.models.image_dcgan import ImageDCGANDiscriminator, ImageDCGANGenerator
    from ganlib.recipes.distributed import process_group, replicate
    from ganlib.recipes.image_folder import folder_images
    from ganlib.train import train

    batch = 64
    with process_group(torch.device("cpu")) as replica:
        images = folder_images("mnist", 64, 1)
        with own_rng(0, replica.device):
            g = ImageDCGANGenerator(latent_dim=100, width=32, image_size=64, channels=1)
            d = ImageDCGANDiscriminator(width=32, image_size=64, channels=1)
        gan = GAN.build(replicate(g, replica), replicate(d, replica), replica=replica.rank, replicas=replica.world_size)
        batches = BatchIterator(images, batch_size=batch, generator=torch.Generator().manual_seed(0),
                                replica=replica.rank, replicas=replica.world_size)

        def step(b: tuple[torch.Tensor, ...]) -> dict[str, torch.Tensor]:
            return gan.step((b[0].float() / 127.5 - 1,))

        train(step, batches, gan.models, steps=warmup, channels_last=True, progress=False)
        start = time.perf_counter()
        train(step, batches, gan.models, steps=steps, channels_last=True, progress=False)
        seconds = time.perf_counter() - start
        if replica.is_main:
            print(f"RATE {steps * batch / seconds:.2f} {torch.get_num_threads()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per run")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.steps, args.warmup)
        return 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print("64x64 DCGAN (width 32, one channel), global batch 64, MNIST subset, CPU, gloo")
    for processes in (1, 2):
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={processes}",
                   __file__, "--worker", "--steps", str(args.steps), "--warmup", str(args.warmup)]
        if processes == 1:
            env["OMP_NUM_THREADS"] = str(os.cpu_count() or 1)  # one process may use every core
        else:
            env.pop("OMP_NUM_THREADS", None)  # torchrun gives each of several processes one thread
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        rate, threads = next(line.split()[1:] for line in result.stdout.splitlines() if line.startswith("RATE"))
        each = f"{threads} thread{'s' if threads != '1' else ''}" + (" each" if processes > 1 else "")
        print(f"{processes} process{'es' if processes > 1 else ''} ({each}): {float(rate):7.1f} images/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
