"""Choosing where tensors live, and making runs repeatable."""

from __future__ import annotations

import os
import platform
import random
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import numpy as np
import torch

_KNOWN_DEVICES = ("cpu", "cuda", "mps")


def get_device() -> torch.device:
    """The best device available: CUDA, then Apple's MPS, then the CPU.

    Set the environment variable ``GANLIB_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``) to choose
    one yourself, for instance ``GANLIB_DEVICE=cpu`` to compare speeds on a machine with a GPU.
    """
    wanted = os.environ.get("GANLIB_DEVICE", "").strip()
    if wanted:
        if wanted.split(":")[0] not in _KNOWN_DEVICES:
            raise ValueError(
                f"GANLIB_DEVICE={wanted!r} is not a device; use one of {', '.join(_KNOWN_DEVICES)} "
                "(optionally with an index, e.g. cuda:1), or unset it to pick automatically."
            )
        device = torch.device(wanted)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(f"GANLIB_DEVICE={wanted!r} but PyTorch sees no CUDA GPU; unset it or use cpu.")
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise RuntimeError(f"GANLIB_DEVICE={wanted!r} but MPS is not available; unset it or use cpu.")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


# oneDNN's instruction-set levels below AVX512_CORE_BF16: with ``ONEDNN_MAX_CPU_ISA`` set to one of
# them, oneDNN does not use the CPU's bfloat16 instructions even when it has them.
_ISAS_WITHOUT_BF16 = ("SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE", "AVX512_CORE_VNNI")


def cpu_has_native_bf16() -> bool:
    """Whether oneDNN computes in bfloat16 natively on this CPU (AVX-512 BF16 or AMX).

    On such CPUs, mixed precision roughly doubles the speed of convolutions; elsewhere bfloat16 is
    emulated and slower than float32, so :func:`autocast` leaves it off. oneDNN's own
    switch ``ONEDNN_MAX_CPU_ISA`` is honoured: ``ONEDNN_MAX_CPU_ISA=AVX2`` makes a CPU with AMX behave
    as a laptop CPU does, and then this is ``False``.
    """
    if os.environ.get("ONEDNN_MAX_CPU_ISA", "").strip().upper() in _ISAS_WITHOUT_BF16:
        return False
    check = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
    try:
        return bool(torch.backends.mkldnn.is_available() and check is not None and check())
    except RuntimeError:
        return False


def bf16_is_native(device: torch.device) -> bool:
    """Whether ``device`` computes in bfloat16 natively: a CUDA GPU that supports it, or such a CPU."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported(including_emulation=False)
    return device.type == "cpu" and cpu_has_native_bf16()


def autocast(device: torch.device, amp: bool) -> AbstractContextManager[None]:
    """Mixed precision when ``amp`` and the device has native bfloat16, else float32 (a no-op context).

    Inside it, matrix products and convolutions run in bfloat16 and the rest in float32; the gradients and
    the optimiser's update stay in float32. Elsewhere bfloat16 would be emulated and slower, so it is off.
    """
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp and bf16_is_native(device))


@contextmanager
def own_rng(seed: int, device: torch.device | str = "cpu") -> Iterator[None]:
    """Run a block with PyTorch's random numbers seeded by ``seed``, then give the caller's back.

    Library functions that train use it, so a notebook's own random stream is the same whether or not it
    called them: ``with own_rng(seed): ...`` draws from a fresh stream, and afterwards the global generator
    (of the CPU and of ``device``) is where it was before the block.
    """
    device = torch.device(device)
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices, device_type="cuda" if devices else "cpu"):
        torch.manual_seed(seed)
        yield


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and PyTorch (every device) so that a run can be repeated exactly.

    Returns a ``torch.Generator`` seeded with the same value, handy for functions that take one.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds CUDA and MPS
    return torch.Generator().manual_seed(seed)


def info() -> str:
    """Versions, the chosen device, and which datasets and checkpoints are on disk."""
    import ganlib  # imported here, so that every module that imports the device does not load data and checkpoints
    from ganlib.checkpoints import checkpoint_dir
    from ganlib.data import data_dir
    from ganlib.data.mnist import full_mnist_available

    checkpoints = sorted(p.stem for p in checkpoint_dir().glob("*.pt"))
    subset = data_dir() / "mnist-5k.npz"
    lines = [
        f"ganlib       {ganlib.__version__}",
        f"python       {platform.python_version()}",
        f"torch        {torch.__version__}",
        f"numpy        {np.__version__}",
        f"device       {get_device()}",
        f"data folder  {data_dir()}",
        f"MNIST subset {'present' if subset.exists() else 'MISSING'} ({subset.name})",
        f"full MNIST   {'present' if full_mnist_available() else 'not on disk (optional)'}",
        f"checkpoints  {', '.join(checkpoints) if checkpoints else 'none'}",
    ]
    return "\n".join(lines)
