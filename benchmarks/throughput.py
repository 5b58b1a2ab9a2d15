"""Images per second of ganlib's GAN training against a loop in the style of pytorch/examples' dcgan.

Both sides train the same 64×64 DCGAN (nz = 100, ngf = ndf = 64) on the same data (the MNIST subset
resized to 64×64), batch 128, Adam(2e-4, β1 = 0.5), alternating in one process so that both see the
same machine:

* reference: a torch ``DataLoader`` over the images with per-item transforms (resize, to-tensor,
  normalise) and 2 worker processes, and ``.item()`` on the losses at every step for logging;
* ganlib: ``ganlib.train.train`` running ``ganlib.gan.GAN.step`` (a ``GAN.build(G, D, amp=True)``) over a
  ``BatchIterator`` whose images were resized once and stay on the device; losses are read back once every
  ``log_every`` steps; ``amp=True``: bf16 autocast on CUDA and on CPUs with native bf16 (AVX-512 BF16,
  AMX), float32 elsewhere (``ganlib.device.bf16_is_native``); ``channels_last=True``: channels-last
  convolutions (cuDNN, oneDNN);
* the generator's update back-propagates through D without computing D's weight gradients. A round does one
  forward pass of G and three of D (real, fake for D's update, fake again through the updated D for G's): the
  fewest an alternating update allows, since batch norm must see the real and the fake batch apart.

It also prints the work per image (GFLOP, counted by ``torch.utils.flop_counter`` on one round: forward and
backward passes as they run, without the weight gradients the update does not take) and the share of the
CPU's float32 peak that ganlib reaches. The peak is estimated two ways: measured, as the rate of a large
1×1 float32 convolution (a matrix product run by oneDNN, like the DCGAN's layers) on the same threads; and nominal, cores × clock × FLOP per cycle (32 with AVX2's two
8-wide FMA units, 64 with AVX-512's), the clock being the one the kernel reports (turbo may exceed it).

``--compile`` also times ganlib with both networks compiled by ``torch.compile`` and prints the compile time
and the number of steps after which it pays that back (if it does).

    python benchmarks/throughput.py [--steps 8] [--rounds 3] [--float32] [--compile]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from ganlib.data.batches import BatchIterator
from ganlib.data.mnist import load_mnist
from ganlib.device import bf16_is_native, get_device, seed_everything
from ganlib.gan import GAN
from ganlib.models.dcgan import dcgan_init
from ganlib.models.generator import Generator
from ganlib.train import train

NZ, NGF, NDF, BATCH = 100, 64, 64, 128


class Generator64(Generator):
    """The 64×64 DCGAN generator: ``z → 8·ngf×4×4 → … → 1×64×64``."""

    def __init__(self) -> None:
        super().__init__()
        self.latent_dim = NZ
        layers: list[nn.Module] = []
        channels = [NZ, 8 * NGF, 4 * NGF, 2 * NGF, NGF]
        for i, (c_in, c_out) in enumerate(zip(channels, channels[1:])):
            stride, padding = (1, 0) if i == 0 else (2, 1)
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, stride, padding, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True)]
        self.net = nn.Sequential(*layers, nn.ConvTranspose2d(NGF, 1, 4, 2, 1, bias=False), nn.Tanh())
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(-1, NZ, 1, 1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return (self(z) + 1) / 2


def discriminator64() -> nn.Module:
    """The 64×64 DCGAN discriminator, ``1×64×64 → … → 8·ndf×4×4 → 1 logit`` (the sigmoid lives in the loss)."""
    layers: list[nn.Module] = [nn.Conv2d(1, NDF, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    channels = [NDF, 2 * NDF, 4 * NDF, 8 * NDF]
    for c_in, c_out in zip(channels, channels[1:]):
        layers += [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2, True)]
    net = nn.Sequential(*layers, nn.Conv2d(8 * NDF, 1, 4, 1, 0, bias=False), nn.Flatten(0))
    net.apply(dcgan_init)
    return net


class SubsetImages(Dataset):
    """The MNIST subset as PIL images, transformed one item at a time (as torchvision datasets do)."""

    def __init__(self, pixels: torch.Tensor) -> None:
        self.pixels = pixels
        self.transform = transforms.Compose(
            [transforms.Resize(64), transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]
        )

    def __len__(self) -> int:
        return self.pixels.shape[0]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.transform(Image.fromarray(self.pixels[index].numpy(), mode="L")), 0


LR, BETAS = 2e-4, (0.5, 0.999)


def make_models(device: torch.device) -> tuple[Generator64, nn.Module]:
    return Generator64().to(device), discriminator64().to(device)


def reference_models(device: torch.device) -> tuple[Generator64, nn.Module, torch.optim.Optimizer, torch.optim.Optimizer]:
    """The two networks and their Adam optimisers, as the example sets them up."""
    g, d = make_models(device)
    adam = lambda m: torch.optim.Adam(m.parameters(), lr=LR, betas=BETAS)  # noqa: E731
    return g, d, adam(g), adam(d)


def reference_steps(batches, device: torch.device, models, steps: int) -> float:
    """``steps`` updates written the way the example does them; returns images per second."""
    g, d, opt_g, opt_d = models
    criterion = nn.BCELoss()
    start, done = time.perf_counter(), 0
    for _ in range(steps):
        real = next(batches)[0].to(device)
        n = real.shape[0]
        d.zero_grad()
        label = torch.full((n,), 1.0, device=device)
        output = torch.sigmoid(d(real))
        err_d_real = criterion(output, label)
        err_d_real.backward()
        d_x = output.mean().item()
        fake = g(torch.randn(n, NZ, 1, 1, device=device))
        label.fill_(0.0)
        output = torch.sigmoid(d(fake.detach()))
        err_d_fake = criterion(output, label)
        err_d_fake.backward()
        d_g_z1 = output.mean().item()
        opt_d.step()
        g.zero_grad()
        label.fill_(1.0)
        output = torch.sigmoid(d(fake))
        err_g = criterion(output, label)
        err_g.backward()
        d_g_z2 = output.mean().item()
        opt_g.step()
        _log = f"Loss_D {(err_d_real + err_d_fake).item():.4f} Loss_G {err_g.item():.4f} D(x) {d_x:.4f} D(G(z)) {d_g_z1:.4f}/{d_g_z2:.4f}"
        done += n
    return done / (time.perf_counter() - start)


def ganlib_steps(data: BatchIterator, gan: GAN, steps: int) -> float:
    """``steps`` rounds of ``gan`` through ganlib's training loop; returns images per second."""
    start = time.perf_counter()
    train(gan.step, data, gan.models, steps=steps, channels_last=True, progress=False)
    return steps * BATCH / (time.perf_counter() - start)


def flop_per_image(gan: GAN, batch: torch.Tensor) -> float:
    """FLOP of one round of ``gan`` per image, counted as the round runs (on a copy, so ``gan`` is untouched)."""
    import copy

    from torch.utils.flop_counter import FlopCounterMode

    twin = copy.deepcopy(gan)
    with FlopCounterMode(display=False) as counter:
        twin.step((batch,))
    return counter.get_total_flops() / batch.shape[0]


def measured_peak(device: torch.device, channels: int = 512, pixels: int = 32 * 32 * 64, repeats: int = 5) -> float:
    """FLOP/s of a large 1×1 float32 convolution (a matrix product of ``pixels`` × ``channels`` by ``channels`` ×
    ``channels``), run by oneDNN, the library of the DCGAN's convolutions, under the same limits on its
    instruction set: about the most float32 work per second the CPU gives them."""
    x = torch.randn(pixels // 1024, channels, 32, 32, device=device).contiguous(memory_format=torch.channels_last)
    w = torch.randn(channels, channels, 1, 1, device=device).contiguous(memory_format=torch.channels_last)
    F.conv2d(x, w)
    best = float("inf")
    for _ in range(3):  # the best of three timings: the clock of a shared machine wanders
        start = time.perf_counter()
        for _ in range(repeats):
            F.conv2d(x, w)
        best = min(best, time.perf_counter() - start)
    return 2 * pixels * channels**2 * repeats / best


def nominal_peak() -> tuple[float, str]:
    """Cores × clock × float32 FLOP per cycle, and how it was reached."""
    limited = "AVX2" in os.environ.get("ONEDNN_MAX_CPU_ISA", "").upper()
    flags = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
    per_cycle = 64 if "avx512f" in flags and not limited else 32
    mhz = [float(line.split(":")[1]) for line in flags.splitlines() if line.startswith("cpu MHz")]
    clock = max(mhz) * 1e6 if mhz else float("nan")
    cores = torch.get_num_threads()
    return cores * clock * per_cycle, f"{cores} threads x {clock / 1e9:.2f} GHz x {per_cycle} FLOP/cycle"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=8, help="timed steps per side per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--float32", action="store_true", help="ganlib without mixed precision (channels_last only)")
    parser.add_argument("--compile", action="store_true", help="also time ganlib with torch.compile'd networks")
    args = parser.parse_args()
    seed_everything(0)
    device = get_device()
    images, _ = load_mnist("train", source="subset")

    loader = DataLoader(SubsetImages((images[:, 0] * 255).round().to(torch.uint8)), batch_size=BATCH, shuffle=True,
                        num_workers=2, drop_last=True, persistent_workers=True)

    def endless():
        while True:
            yield from loader

    batches = endless()
    resident = F.interpolate(images, size=64, mode="bilinear", antialias=True, align_corners=False).to(device) * 2 - 1
    data = BatchIterator(resident, batch_size=BATCH, generator=torch.Generator().manual_seed(0))
    reference = reference_models(device)
    gan = GAN.build(*make_models(device), lr=LR, betas=BETAS, amp=not args.float32)  # the non-saturating game

    sides = {"reference": lambda: reference_steps(batches, device, reference, args.steps),
             "ganlib": lambda: ganlib_steps(data, gan, args.steps)}
    # An untimed round first: the workers start, the kernels load and the allocator's pages are touched. With
    # only a step of warm-up, the reference's first timed round ran ~10% slow and flattered ganlib.
    reference_steps(batches, device, reference, args.steps)
    ganlib_steps(data, gan, args.steps)
    if args.compile:
        compiled = GAN.build(*make_models(device), lr=LR, betas=BETAS, amp=not args.float32)
        compiled.generator, compiled.discriminator = torch.compile(compiled.generator), torch.compile(compiled.discriminator)
        start = time.perf_counter()
        ganlib_steps(data, compiled, 2)  # compiles the forward and backward passes
        compile_seconds = time.perf_counter() - start
        sides["compiled"] = lambda: ganlib_steps(data, compiled, args.steps)
    rates: dict[str, list[float]] = {side: [] for side in sides}
    for round_ in range(args.rounds):
        for side, run in sides.items():
            rates[side].append(run())
        print(f"round {round_ + 1}: " + ", ".join(f"{side} {r[-1]:.1f} img/s" for side, r in rates.items()), flush=True)
    theirs, ours = (sum(r) / len(r) for r in (rates["reference"], rates["ganlib"]))
    native = bf16_is_native(device)
    mixed = "mixed precision torch.bfloat16" if gan.amp and native else "float32"
    print(f"\ndevice {device}, {torch.get_num_threads()} threads, batch {BATCH}, 64x64 DCGAN (nz={NZ}, ngf=ndf={NGF})")
    print(f"ganlib: {mixed}, channels_last; native bf16 on {device.type}: {native}")
    print(f"reference loop  {theirs:8.1f} images/s")
    print(f"ganlib          {ours:8.1f} images/s")
    ratios = sorted(a / b for a, b in zip(rates["ganlib"], rates["reference"]))
    print(f"speed-up        {ours / theirs:8.2f}x (target >= 1.30x); round by round {ratios[0]:.2f}x to {ratios[-1]:.2f}x")
    flop = flop_per_image(gan, resident[:BATCH].contiguous(memory_format=torch.channels_last))
    print(f"\nwork per image  {flop / 1e9:8.2f} GFLOP per round (1 forward of G, 3 of D, and their backward passes)")
    if device.type == "cpu" and mixed != "float32":
        print("ganlib computes in bfloat16 here, so the float32 peak does not bound it: run with --float32 for that share")
    elif device.type == "cpu":
        measured = measured_peak(device)
        nominal, how = nominal_peak()
        print(f"ganlib reaches  {ours * flop / 1e9:8.1f} GFLOP/s")
        print(f"  = {ours * flop / measured:.0%} of the measured float32 peak, {measured / 1e9:.1f} GFLOP/s (a 1x1 convolution, 512 channels)")
        print(f"  = {ours * flop / nominal:.0%} of the nominal float32 peak, {nominal / 1e9:.1f} GFLOP/s ({how})")
    if args.compile:
        fast = sum(rates["compiled"]) / len(rates["compiled"])
        saved = BATCH / ours - BATCH / fast  # seconds per step
        payback = (f"pays back after {compile_seconds / saved:,.0f} steps" if fast > 1.03 * ours
                   else "no faster than eager within 3%, so it never pays back")
        print(f"\ntorch.compile   {fast:8.1f} images/s after {compile_seconds:.0f} s of compiling: {payback}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
