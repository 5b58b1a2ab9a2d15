"""Mini-batches from tensors that already live on the training device.

A dataset of a few thousand small images fits in memory many times over, so instead of a
``DataLoader`` with worker processes we keep the tensors on the device and index them with a fresh
random permutation each epoch. There is no copy per batch and no host round trip.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch


class BatchIterator:
    """Iterate over shuffled mini-batches of one or more tensors that share their first dimension.

    >>> batches = BatchIterator(images, labels, batch_size=128)
    >>> for x, y in batches:      # one epoch
    ...     ...

    Under data-parallel training (torchrun), each of the ``replicas`` processes builds the same iterator (same
    ``generator`` seed, so the same order) with its own ``replica`` number: ``batch_size`` is the *global*
    batch, and each process gets its ``batch_size / replicas`` rows of it.
    """

    def __init__(
        self,
        *tensors: torch.Tensor,
        batch_size: int,
        shuffle: bool = True,
        drop_last: bool = True,
        device: torch.device | str | None = None,
        generator: torch.Generator | None = None,
        replica: int = 0,
        replicas: int = 1,
    ) -> None:
        if not tensors:
            raise ValueError("BatchIterator needs at least one tensor.")
        n = tensors[0].shape[0]
        if any(t.shape[0] != n for t in tensors):
            sizes = [t.shape[0] for t in tensors]
            raise ValueError(f"all tensors must have the same number of rows, got {sizes}.")
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}.")
        if drop_last and batch_size > n:
            raise ValueError(f"batch_size={batch_size} is larger than the {n} samples; lower it or pass drop_last=False.")
        if not 0 <= replica < replicas or batch_size % replicas:
            raise ValueError(f"the global batch ({batch_size}) must split evenly over {replicas} processes, and replica "
                             f"must be in [0, {replicas}), got {replica}: choose a batch size that is a multiple of {replicas}.")
        device = torch.device(device) if device is not None else tensors[0].device
        self.tensors = tuple(t.to(device) for t in tensors)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator
        self.replica, self.replicas = replica, replicas

    @property
    def num_samples(self) -> int:
        return self.tensors[0].shape[0]

    def __len__(self) -> int:
        """Batches per epoch."""
        full, rest = divmod(self.num_samples, self.batch_size)
        return full if self.drop_last or rest == 0 else full + 1

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        n = self.num_samples
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).to(self.tensors[0].device)
        else:
            order = torch.arange(n, device=self.tensors[0].device)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            index = order[start : start + self.batch_size].tensor_split(self.replicas)[self.replica]
            yield tuple(t[index] for t in self.tensors)
