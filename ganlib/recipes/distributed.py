"""Data-parallel training with ``torchrun``: K processes, one model each, the gradients averaged every step.

    torchrun --nproc-per-node=4 -m ganlib train dcgan --data ~/pictures --steps 20000 --output faces.pt

``torchrun`` starts K copies of the command and tells each its ``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE``.
:func:`process_group` connects them: the ``nccl`` backend on CUDA GPUs (process k on GPU k of its machine), ``gloo`` on
CPUs. :func:`replicate` wraps each network in :class:`~torch.nn.parallel.DistributedDataParallel`, which starts
every process from process 0's weights and averages the gradients over the processes in every ``backward``.

**Why K processes compute what one would.** Each process takes its ``B / K`` rows of every global batch of B
(:class:`~ganlib.data.batches.BatchIterator` with ``replica``/``replicas``) and its share of the noise
(:class:`~ganlib.gan.GAN`'s ``replica``/``replicas``). A loss that is a mean over the batch is the mean of
the K per-process means, so the averaged gradient is the gradient of one process on the whole batch, and
every process takes the same Adam step: the weights stay identical everywhere.

**Batch normalisation is the exception.** Each process normalises with the mean and variance of its own
``B / K`` rows. On GPUs, :func:`replicate` turns the layers into :class:`~torch.nn.SyncBatchNorm`, which
exchanges the statistics so that they are those of the global batch again. PyTorch implements that for GPUs
only, so on CPUs every process keeps its own statistics, as the DCGAN paper's multi-GPU runs did; the
running averages (used for sampling) are process 0's, copied to the others before every forward pass.

Only process 0 (:attr:`Replica.is_main`) draws the progress bar and writes snapshots and checkpoints. A
process that fails makes ``torchrun`` stop the others, and the error names the process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel


@dataclass(frozen=True)
class Replica:
    """This process's place among the data-parallel processes, and its device."""

    rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        """Process 0 speaks for the run: progress, snapshots, checkpoints."""
        return self.rank == 0


def launched_by_torchrun() -> bool:
    """Whether torchrun started this process as one of several (``WORLD_SIZE`` > 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


@contextmanager
def process_group(device: torch.device) -> Iterator[Replica]:
    """Join torchrun's process group for the duration of a run (and leave it after), or yield the single
    replica when torchrun did not start several processes.

    ``device`` is where one process would train; on CUDA each process takes the GPU ``LOCAL_RANK``.
    """
    if not launched_by_torchrun():
        yield Replica(0, 1, device)
        return
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    elif device.type != "cpu":
        raise RuntimeError(f"torchrun training runs on CUDA GPUs or CPUs, not {device.type}: set GANLIB_DEVICE=cpu.")
    dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    try:
        yield Replica(dist.get_rank(), dist.get_world_size(), device)
        dist.barrier()  # a run that went well: wait for every process before closing the connections
    finally:
        dist.destroy_process_group()


class Replicated(DistributedDataParallel):
    """:class:`~torch.nn.parallel.DistributedDataParallel` that also answers the wrapped network's own
    attributes, so that a wrapped generator still has its ``latent_dim``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.module, name)


def replicate(network: nn.Module, replica: Replica) -> nn.Module:
    """``network`` itself for a single process; otherwise wrapped for data-parallel training (with
    :class:`~torch.nn.SyncBatchNorm` on GPUs, see the module's notes on batch normalisation)."""
    if replica.world_size == 1:
        return network
    if replica.device.type == "cuda":
        network = nn.SyncBatchNorm.convert_sync_batchnorm(network)
        return Replicated(network, device_ids=[replica.device.index])
    return Replicated(network)


def unwrap(network: nn.Module) -> nn.Module:
    """The network inside a :func:`replicate` wrapper, or a ``torch.compile`` one, or both (its weights are
    saved without the wrappers' prefixes)."""
    network = getattr(network, "_orig_mod", network)  # what torch.compile wrapped
    return network.module if isinstance(network, DistributedDataParallel) else network
