"""Choosing where tensors live, and making runs repeatable."""

from __future__ import annotations

import os
import random

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
    emulated and slower than float32, so :class:`ganlib.train.Precision` leaves it off. oneDNN's own
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


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and PyTorch (every device) so that a run can be repeated exactly.

    Returns a ``torch.Generator`` seeded with the same value, handy for functions that take one.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds CUDA and MPS
    return torch.Generator().manual_seed(seed)
