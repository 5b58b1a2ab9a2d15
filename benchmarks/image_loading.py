"""In memory or streamed: how fast the image-folder DCGAN trains with each way of reading a folder, on this CPU.

The benchmark writes the MNIST subset as colour JPEG files of 218×178 pixels (the size of CelebA's aligned
faces) into a temporary folder, then trains the DCGAN
of ``python -m ganlib train dcgan`` (64×64, three channels, width 32, batch 64) on it for the same number of
steps with the images

* in memory: decoded once (the time is printed) and sliced on the device every step;
* streamed: decoded again whenever drawn, by a ``DataLoader`` with 0, 1 and 2 worker processes.

It also prints how many images per second the loader alone delivers. On a 2-core CPU the workers decode on
the cores that train, so streaming costs training speed; keeping the images in memory costs none, which is
why ``train dcgan`` streams only a folder that exceeds its memory budget.

    python benchmarks/image_loading.py [--images 2000] [--steps 10] [--small]   (--small: 64×64 PNG files)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import torch
from PIL import Image

from ganlib.data.batches import BatchIterator
from ganlib.data.images import load_image_folder, streamed_batches
from ganlib.device import own_rng
from ganlib.gan import GAN
from ganlib.models.image_dcgan import ImageDCGANDiscriminator, ImageDCGANGenerator
from ganlib.recipes.image_folder import folder_images
from ganlib.train import train

BATCH = 64


def write_folder(folder: Path, n: int, small: bool) -> str:
    """``n`` digits of the subset as RGB files (grey digits on three equal channels): 218×178 JPEG files, or
    64×64 PNG files when ``small``. Returns what was written."""
    digits = folder_images("mnist", 64, 3)[:n]
    for k, image in enumerate(digits):
        picture = Image.fromarray(image.permute(1, 2, 0).numpy())
        if small:
            picture.save(folder / f"{k:05d}.png")
        else:
            picture.resize((178, 218), Image.Resampling.BILINEAR).save(folder / f"{k:05d}.jpg", quality=90)
    return f"{n:,} {'PNG files of 64x64' if small else 'JPEG files of 218x178'} RGB"


def training_rate(batches, steps: int) -> float:
    """Images per second of ``steps`` DCGAN rounds on ``batches`` (after two untimed ones)."""
    with own_rng(0, torch.device("cpu")):
        gan = GAN.build(ImageDCGANGenerator(width=32), ImageDCGANDiscriminator(width=32))

    def step(batch: tuple[torch.Tensor, ...]) -> dict[str, torch.Tensor]:
        return gan.step((batch[0].float() / 127.5 - 1,))

    train(step, batches, gan.models, steps=2, progress=False)
    start = time.perf_counter()
    train(step, batches, gan.models, steps=steps, channels_last=True, progress=False)
    return steps * BATCH / (time.perf_counter() - start)


def loader_rate(loader, batches: int = 20) -> float:
    """Images per second the loader delivers on its own."""
    iterator = iter(loader)
    next(iterator)
    start, count = time.perf_counter(), 0
    for _ in range(batches):
        count += next(iterator)[0].shape[0]
    return count / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--small", action="store_true", help="64x64 PNG files, which need no resizing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        written = write_folder(folder, args.images, args.small)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "resized and centre-cropped": expected here
            images = load_image_folder(folder, 64, 3)
        decode = time.perf_counter() - start
        print(f"{written}; {torch.get_num_threads()} threads; DCGAN width 32, batch {BATCH}")
        print(f"decoding them once into memory: {decode:.1f} s ({images.numel() / 2**20:.0f} MB)")
        rows = [("in memory", BatchIterator(images, batch_size=BATCH, generator=torch.Generator().manual_seed(0)))]
        for workers in (0, 1, 2):
            loader = streamed_batches(folder, 64, 3, batch_size=BATCH, workers=workers, generator=torch.Generator().manual_seed(0))
            print(f"streamed, {workers} workers: the loader alone delivers {loader_rate(loader):7.0f} images/s")
            rows.append((f"streamed, {workers} workers", loader))
        print()
        for name, batches in rows:
            print(f"training, {name:<20} {training_rate(batches, args.steps):7.1f} images/s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
