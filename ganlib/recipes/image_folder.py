"""``python -m ganlib train dcgan --data DIR``: the course's DCGAN on a folder of your own images.

    python -m ganlib train dcgan --data ~/pictures --image-size 64 --channels 3 --steps 20000 --output faces.pt
    python -m ganlib train dcgan --data mnist --image-size 32 --channels 1 --steps 2000 --output digits.pt

The images are decoded once and kept in memory as ``uint8`` (:mod:`ganlib.data.images`) when they fit in
``memory_budget`` bytes (2 GB by default, ``--memory-mb``); a larger folder is streamed from disk by ``workers``
DataLoader processes instead, slower on a small CPU (see :mod:`ganlib.data.images`). Each batch is scaled to
[-1, 1] on the training device. Every ``snapshot_every`` steps the generator draws 64 fixed codes into a
grid saved next to the checkpoint (``faces.png`` beside ``faces.pt``). The checkpoint records the data, the
image size, the channels, the settings and the steps trained, in the course's safe checkpoint format, so that
``python -m ganlib sample faces.pt -n 100 -o faces.npy`` samples it. Interrupting the run (Ctrl-C) saves the
weights reached so far before it stops.

**Resuming.** Beside the checkpoint, ``faces.state.pt`` keeps the training state (both networks, both
optimisers and the steps done), written with every snapshot, on Ctrl-C and at the end. The same command with
``--resume`` continues from it up to ``--steps`` in all: a run of hours on a laptop survives a closed lid. The
resumed part draws fresh noise and batch orders, so it is not bit-identical to an uninterrupted run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
import torch.nn.functional as F

from ganlib.checkpoints import save_checkpoint
from ganlib.checks import check_count, check_writable
from ganlib.data.batches import BatchIterator
from ganlib.data.images import find_images, in_memory_bytes, load_image_folder, streamed_batches
from ganlib.data.mnist import load_mnist
from ganlib.device import own_rng
from ganlib.gan import GAN
from ganlib.models.image_dcgan import ImageDCGANDiscriminator, ImageDCGANGenerator, check_image_shape
from ganlib.recipes.distributed import Replica, process_group, replicate, unwrap
from ganlib.train import train


@dataclass(frozen=True)
class FolderSettings:
    """What a run on a folder is trained with (Radford et al.'s defaults)."""

    image_size: int = 64
    channels: int = 3
    latent_dim: int = 100
    width: int = 64
    batch_size: int = 128  # the global batch: under torchrun each of K processes takes batch_size / K of it
    lr: float = 2e-4
    beta1: float = 0.5
    batchnorm: bool = True


def folder_images(data: str, image_size: int, channels: int) -> torch.Tensor:
    """``uint8`` images ``(n, channels, size, size)``: the folder ``data``, or the shipped MNIST subset for "mnist"."""
    if data != "mnist":
        return load_image_folder(data, image_size, channels)
    check_image_shape(image_size, channels)
    digits = load_mnist("train", source="subset")[0]  # (n, 1, 28, 28) in [0, 1]
    digits = F.interpolate(digits, size=image_size, mode="bilinear", antialias=True, align_corners=False)
    return (digits.clamp(0, 1) * 255).round().to(torch.uint8).expand(-1, channels, -1, -1).contiguous()


def folder_batches(data: str, settings: FolderSettings, *, memory_budget: int, workers: int, generator: torch.Generator,
                   replica: Replica) -> tuple[Iterable[tuple[torch.Tensor, ...]], int, str]:
    """Shuffled ``uint8`` batches of ``data`` for this process, how many images there are, and how they are read:
    in memory (on the training device) within ``memory_budget`` bytes, streamed from disk beyond it."""
    shares = {"generator": generator, "replica": replica.rank, "replicas": replica.world_size}
    if data != "mnist":
        files = find_images(data)
        needed = in_memory_bytes(files, settings.image_size, settings.channels)
        if needed > memory_budget:
            loader = streamed_batches(data, settings.image_size, settings.channels, batch_size=settings.batch_size,
                                      workers=workers, **shares)
            return loader, len(loader.dataset), (f"streamed by {workers} DataLoader workers: {needed / 2**20:,.0f} MB "
                                                 f"would exceed the memory budget of {memory_budget / 2**20:,.0f} MB")
    images = folder_images(data, settings.image_size, settings.channels).to(replica.device)
    return BatchIterator(images, batch_size=min(settings.batch_size, len(images)), **shares), len(images), "in memory"


def check_request(output: Path, steps: int) -> None:
    """Refuse, before any image is read or network built, a run that could not finish: fewer than one step, or
    a checkpoint, snapshot grid or training state that could not be written (:func:`ganlib.checks.check_writable`)."""
    check_count(steps, "the number of steps")
    if output.suffix != ".pt":
        raise ValueError(f"checkpoints are .pt files: name the output {output.with_suffix('.pt')}, not {output}.")
    for path in (output, output.with_suffix(".png"), state_path(output)):
        check_writable(path)


def state_path(output: Path) -> Path:
    """Where the training state of the run writing ``output`` lives: ``NAME.state.pt`` beside ``NAME.pt``."""
    return output.with_suffix(".state.pt")


def save_state(path: Path, gan: GAN, steps_done: int, settings: FolderSettings, data: str) -> None:
    """Both networks, both optimisers and the steps done, written atomically (a crash mid-write keeps the old file)."""
    partial = path.with_name(path.name + ".partial")
    torch.save({"generator": unwrap(gan.generator).state_dict(), "discriminator": unwrap(gan.discriminator).state_dict(),
                "g_optimizer": gan.g_optimizer.state_dict(), "d_optimizer": gan.d_optimizer.state_dict(),
                "steps_done": steps_done, "settings": asdict(settings), "data": data}, partial)
    os.replace(partial, path)


def load_state(path: Path, gan: GAN, settings: FolderSettings, data: str) -> int:
    """Put a saved training state into ``gan``; return the steps it had done. Refuses a missing state, or one of
    a run with other data or settings, naming what differs."""
    if not path.exists():
        raise ValueError(f"no training state at {path} to resume from: run without --resume to start a new run.")
    state = torch.load(path, map_location="cpu", weights_only=True)
    differing = sorted(k for k, v in asdict(settings).items() if state["settings"].get(k) != v)
    if differing or state["data"] != data:
        what = ", ".join(differing + (["data"] if state["data"] != data else []))
        raise ValueError(f"the run in {path} was trained with other {what}: resume it with the same --data, "
                         "--image-size, --channels, --width and --batch-size, or start a new run with another --output.")
    gan.generator.load_state_dict(state["generator"])
    gan.discriminator.load_state_dict(state["discriminator"])
    gan.g_optimizer.load_state_dict(state["g_optimizer"])
    gan.d_optimizer.load_state_dict(state["d_optimizer"])
    return int(state["steps_done"])


def train_on_folder(
    data: str,
    output: Path,
    *,
    steps: int,
    settings: FolderSettings = FolderSettings(),
    snapshot_every: int = 500,
    seed: int = 0,
    resume: bool = False,
    device: torch.device | str = "cpu",
    memory_budget: int = 2 * 2**30,
    workers: int = 2,
    compile_networks: bool = False,
    progress: bool = True,
) -> Path | None:
    """Train the DCGAN of :mod:`ganlib.models.image_dcgan` on ``data`` up to ``steps`` steps in all (continuing a
    saved state with ``resume``); write ``output`` (with its snapshot grid ``output.png`` and training state
    ``output.state.pt``) and return its path.

    ``memory_budget`` (bytes) and ``workers`` choose how the images are read (:func:`folder_batches`);
    ``compile_networks`` runs both networks through ``torch.compile``, which can pay back its compiling time on a
    GPU but measured no faster on CPUs (``benchmarks/throughput.py --compile``).

    Started by ``torchrun`` with K processes, each trains on its share of every batch
    (:mod:`ganlib.recipes.distributed`); only process 0 shows progress and writes files, and the others
    return ``None``.
    """
    from torchvision.utils import save_image

    check_request(output, steps)
    with process_group(torch.device(device)) as replica:
        device = replica.device
        config_g = {"latent_dim": settings.latent_dim, "width": settings.width, "image_size": settings.image_size,
                    "channels": settings.channels, "batchnorm": settings.batchnorm}
        config_d = {k: config_g[k] for k in ("width", "image_size", "channels", "batchnorm")}
        with own_rng(seed, device):
            generator = ImageDCGANGenerator(**config_g).to(device)
            gan = GAN.build(generator, ImageDCGANDiscriminator(**config_d).to(device), lr=settings.lr,
                            betas=(settings.beta1, 0.999), loss="nonsaturating")
            codes = torch.randn(64, settings.latent_dim, generator=torch.Generator().manual_seed(seed)).to(device)
        done = load_state(state_path(output), gan, settings, data) if resume else 0
        if done >= steps:
            raise ValueError(f"the run in {state_path(output)} has already done {done:,} steps: ask for more with --steps.")
        players = [replicate(network, replica) for network in (generator, gan.discriminator)]
        if compile_networks:
            players = [torch.compile(network) for network in players]
        gan = replace(gan, generator=players[0], discriminator=players[1], replica=replica.rank, replicas=replica.world_size)

        def snapshot() -> torch.Tensor:
            grid = generator.decode_in_eval_mode(codes)
            save_image(grid, output.with_suffix(".png"), nrow=8)
            save_state(state_path(output), gan, done, settings, data)
            return grid[:8]

        def step(batch: tuple[torch.Tensor, ...]) -> dict[str, torch.Tensor]:
            nonlocal done
            losses = gan.step((batch[0].to(device).float() / 127.5 - 1,))  # uint8 as read, [-1, 1] for the networks
            done += 1
            return losses

        with own_rng(seed + done, device):  # a resumed run draws fresh noise and batch orders
            batches, count, reading = folder_batches(data, settings, memory_budget=memory_budget, workers=workers,
                                                     generator=torch.Generator().manual_seed(seed + done), replica=replica)
            if progress and replica.is_main:
                print(f"{count:,} images, {reading}")
            meta = {"data": f"{data}: {count:,} images, {settings.image_size}x{settings.image_size}, "
                            f"{settings.channels} channel(s)", "settings": asdict(settings)}
            try:
                train(step, batches, gan.models, steps=steps - done, snapshot=snapshot if replica.is_main else None,
                      snapshot_every=snapshot_every, progress=progress and replica.is_main, description=f"DCGAN on {data}")
            except KeyboardInterrupt:
                if replica.is_main:
                    save_state(state_path(output), gan, done, settings, data)
                    save_checkpoint(output, generator, config_g, command=_command(data, output, steps, settings), **meta, steps=done)
                    print(f"\ninterrupted after {done:,} steps: the weights are saved in {output}; add --resume to continue")
                raise
        if not replica.is_main:
            return None
        save_state(state_path(output), gan, done, settings, data)
        return save_checkpoint(output, generator, config_g, command=_command(data, output, steps, settings), **meta, steps=done)


def _command(data: str, output: Path, steps: int, settings: FolderSettings) -> str:
    return (f"python -m ganlib train dcgan --data {data} --image-size {settings.image_size} --channels "
            f"{settings.channels} --steps {steps} --output {output}")
