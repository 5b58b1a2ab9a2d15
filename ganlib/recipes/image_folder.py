"""``python -m ganlib train dcgan --data DIR``: the course's DCGAN on a folder of your own images.

    python -m ganlib train dcgan --data ~/pictures --image-size 64 --channels 3 --steps 20000 --output faces.pt
    python -m ganlib train dcgan --data mnist --image-size 32 --channels 1 --steps 2000 --output digits.pt

The images are decoded once and kept in memory as ``uint8`` (:mod:`ganlib.data.images`); each batch is scaled
to [-1, 1] on the training device. Every ``snapshot_every`` steps the generator draws 64 fixed codes into a
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
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
import torch.nn.functional as F

from ganlib.checkpoints import save_checkpoint
from ganlib.data.batches import BatchIterator
from ganlib.data.images import load_image_folder
from ganlib.data.mnist import load_mnist
from ganlib.device import own_rng
from ganlib.gan import GAN
from ganlib.models.image_dcgan import IMAGE_SIZES, ImageDCGANDiscriminator, ImageDCGANGenerator
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
    if image_size not in IMAGE_SIZES:
        raise ValueError(f"image size {image_size} is not supported: choose 32 or 64.")
    digits = load_mnist("train", source="subset")[0]  # (n, 1, 28, 28) in [0, 1]
    digits = F.interpolate(digits, size=image_size, mode="bilinear", antialias=True, align_corners=False)
    return (digits.clamp(0, 1) * 255).round().to(torch.uint8).expand(-1, channels, -1, -1).contiguous()


def check_writable(output: Path) -> None:
    """Refuse, before any training, an output whose folder cannot be created or written."""
    if output.suffix != ".pt":
        raise ValueError(f"checkpoints are .pt files: name the output {output.with_suffix('.pt')}, not {output}.")
    folder = output.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"cannot create the folder {folder} for the checkpoint ({error}): choose another --output.") from error
    if not os.access(folder, os.W_OK):
        raise ValueError(f"the folder {folder} is not writable: choose another --output, where you may write files.")


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
    progress: bool = True,
) -> Path | None:
    """Train the DCGAN of :mod:`ganlib.models.image_dcgan` on ``data`` up to ``steps`` steps in all (continuing a
    saved state with ``resume``); write ``output`` (with its snapshot grid ``output.png`` and training state
    ``output.state.pt``) and return its path.

    Started by ``torchrun`` with K processes, each trains on its share of every batch
    (:mod:`ganlib.recipes.distributed`); only process 0 shows progress and writes files, and the others
    return ``None``.
    """
    check_writable(output)
    with process_group(torch.device(device)) as replica:
        return _train_replica(data, output, steps, settings, snapshot_every, seed, resume, replica,
                              progress and replica.is_main)


def _train_replica(data: str, output: Path, steps: int, settings: FolderSettings, snapshot_every: int, seed: int,
                   resume: bool, replica: Replica, progress: bool) -> Path | None:
    """:func:`train_on_folder` in one process (``replica``) of the run."""
    from torchvision.utils import save_image

    device = replica.device
    images = folder_images(data, settings.image_size, settings.channels).to(device)
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
    gan = replace(gan, generator=replicate(generator, replica), discriminator=replicate(gan.discriminator, replica),
                  replica=replica.rank, replicas=replica.world_size)

    def snapshot() -> torch.Tensor:
        grid = generator.decode_in_eval_mode(codes)
        save_image(grid, output.with_suffix(".png"), nrow=8)
        save_state(state_path(output), gan, done, settings, data)
        return grid[:8]

    def step(batch: tuple[torch.Tensor, ...]) -> dict[str, torch.Tensor]:
        nonlocal done
        losses = gan.step((batch[0].float() / 127.5 - 1,))  # uint8 in memory, [-1, 1] for the networks
        done += 1
        return losses

    with own_rng(seed + done, device):  # a resumed run draws fresh noise and batch orders
        batches = BatchIterator(images, batch_size=min(settings.batch_size, len(images)),
                                generator=torch.Generator().manual_seed(seed + done),
                                replica=replica.rank, replicas=replica.world_size)
        meta = {"data": f"{data}: {len(images):,} images, {settings.image_size}x{settings.image_size}, "
                        f"{settings.channels} channel(s)", "settings": asdict(settings)}
        try:
            train(step, batches, gan.models, steps=steps - done, snapshot=snapshot if replica.is_main else None,
                  snapshot_every=snapshot_every, progress=progress, description=f"DCGAN on {data}")
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
