"""The one training loop of the course.

Every model (classifier, VAE, GMMN, GAN) trains through :func:`train`. What differs between them is a
*step function*: it receives a mini-batch, updates the networks, and returns its losses as tensors.
The loop around it does the rest, the same way for all:

* a budget in epochs, steps or minutes, and a ``tqdm`` progress bar with running losses;
* a history (a dict of lists) averaged over every ``log_every`` steps, and periodic sample snapshots;
* losses are added up on the device and read back only once per ``log_every`` steps, so the GPU never
  waits for the host after each step;
* NaN/inf detection: training stops with :class:`TrainingDiverged` and the networks get back the
  last weights that were finite;
* checkpoints to save and resume (the step count continues where it stopped);
* optional mixed precision (on CUDA bf16, or fp16 with loss scaling; on CPUs with native bf16, bf16)
  and channels-last images.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from ganlib.checkpoints import load_training_state, save_training_state
from ganlib.device import cpu_has_native_bf16

Batch = tuple[torch.Tensor, ...]
PROGRESS_SECONDS = 3.0  # the least time between two redraws of the progress bar
History = dict[str, list[Any]]


class TrainingDiverged(RuntimeError):
    """A loss or weight became NaN or infinite; the networks hold their last finite weights again."""


class Precision:
    """How a step computes and applies gradients: full precision, or mixed precision where it pays.

    Mixed precision runs on CUDA (bf16 when the GPU has it, else fp16 with loss scaling) and on CPUs
    that compute bf16 natively (see :func:`ganlib.device.cpu_has_native_bf16`); elsewhere ``amp``
    is ignored and the step runs in float32.

    A step function calls ``with precision.autocast(): loss = ...`` and then
    ``precision.minimise(loss, optimizer)``, which zeroes the gradients, back-propagates and steps.
    """

    def __init__(self, device: torch.device, amp: bool = False) -> None:
        self.device = device
        if device.type == "cuda":
            self.enabled = amp
            self.dtype = torch.bfloat16 if amp and torch.cuda.is_bf16_supported() else torch.float16
        else:
            self.enabled = amp and device.type == "cpu" and cpu_has_native_bf16()
            self.dtype = torch.bfloat16
        self._scalers: dict[int, torch.amp.GradScaler] = {}

    def autocast(self) -> AbstractContextManager[None]:
        return torch.autocast(device_type=self.device.type, dtype=self.dtype, enabled=self.enabled)

    def minimise(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer) -> None:
        optimizer.zero_grad(set_to_none=True)
        if self.enabled and self.dtype == torch.float16:  # fp16 gradients underflow without scaling
            scaler = self._scalers.setdefault(id(optimizer), torch.amp.GradScaler("cuda"))
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()


StepFunction = Callable[[Batch, Precision], Mapping[str, torch.Tensor]]


def train(
    step: StepFunction,
    data: Iterable[Batch],
    models: Mapping[str, nn.Module],
    optimizers: Mapping[str, torch.optim.Optimizer],
    *,
    epochs: int | None = None,
    steps: int | None = None,
    minutes: float | None = None,
    log_every: int = 10,
    snapshot: Callable[[], torch.Tensor] | None = None,
    snapshot_every: int | None = None,
    checkpoint: str | Path | None = None,
    checkpoint_every: int | None = None,
    resume: bool = False,
    amp: bool = False,
    channels_last: bool = False,
    progress: bool = True,
    description: str = "training",
) -> History:
    """Run ``step`` over mini-batches of ``data`` until the budget is spent; return the history.

    Args:
        step: ``step(batch, precision) -> {"loss name": scalar tensor}``; it updates the networks itself.
        data: re-iterable mini-batches (one pass is one epoch), e.g. a ``ganlib.data.BatchIterator``
            whose tensors are already on the training device.
        models: the networks being trained, by name (saved in checkpoints, restored on divergence).
        optimizers: their optimisers, by name (saved in checkpoints).
        epochs, steps, minutes: the budget. ``epochs`` and ``steps`` count from the start of the run,
            including steps done before a resume; ``minutes`` is wall time for this call. At least one.
        log_every: steps between history entries (and between reads of the losses from the device).
        snapshot: a function returning a tensor to keep (e.g. images from fixed noise); called every
            ``snapshot_every`` steps and at the end, stored in ``history["snapshots"]``.
        checkpoint: file for the training state; written every ``checkpoint_every`` steps and at the end.
        resume: continue from ``checkpoint`` if that file exists.
        amp: mixed precision (see :class:`Precision`; ignored where it would not be faster).
        channels_last: channels-last memory format for the models and 4-D batches (faster
            convolutions with cuDNN and with oneDNN on the CPU).

    Returns:
        ``history``: ``"step"`` and one list per loss, averaged over each ``log_every`` steps, plus
        ``"snapshot_step"`` and ``"snapshots"`` when ``snapshot`` is given.
    """
    if epochs is None and steps is None and minutes is None:
        raise ValueError("give a budget: epochs=..., steps=... or minutes=...")
    for name, value in (("epochs", epochs), ("steps", steps), ("minutes", minutes), ("log_every", log_every)):
        if value is not None and value <= 0:
            raise ValueError(f"{name} must be positive, got {value}.")
    device = next(next(iter(models.values())).parameters()).device
    precision = Precision(device, amp)
    use_channels_last = channels_last and device.type in ("cuda", "cpu")
    if use_channels_last:
        for model in models.values():
            model.to(memory_format=torch.channels_last)

    history: History = {"step": []}
    done = 0
    if resume and checkpoint is not None and Path(checkpoint).exists():
        done, history = load_training_state(checkpoint, models, optimizers)
    batches_per_epoch = len(data) if hasattr(data, "__len__") else None  # type: ignore[arg-type]
    total = _total_steps(epochs, steps, batches_per_epoch)
    last_good = _copy_weights(models)
    running: dict[str, torch.Tensor] = {}
    counts: dict[str, int] = {}  # a loss may be logged on some steps only (the G loss with k D-steps)
    since_log = 0
    deadline = time.monotonic() + 60 * minutes if minutes is not None else math.inf

    def take_snapshot() -> None:
        if snapshot is None:
            return
        with torch.no_grad():
            images = snapshot().detach().float().cpu()
        history.setdefault("snapshot_step", []).append(done)
        history.setdefault("snapshots", []).append(images)

    def flush() -> None:
        """Read the running losses back from the device once, check them, log them."""
        nonlocal running, counts, since_log, last_good
        means = {name: total_ / counts[name] for name, total_ in running.items()}
        values = torch.stack(list(means.values())).float().cpu().tolist() if means else []
        bad = [name for name, v in zip(means, values) if not math.isfinite(v)]
        if bad or not _weights_finite(models):
            _restore_weights(models, last_good)
            what = f"the loss {bad[0]!r} became {values[list(means).index(bad[0])]}" if bad else "a weight became NaN/inf"
            raise TrainingDiverged(
                f"{what} by step {done}; the networks now hold their last finite weights. "
                "Lower the learning rate, check the inputs for NaN, or use a loss that cannot saturate."
            )
        history["step"].append(done)
        for name, v in zip(means, values):
            history.setdefault(name, []).append(v)
        last_good = _copy_weights(models)
        running, counts, since_log = {}, {}, 0
        if bar is not None:
            bar.set_postfix({name: f"{v:.3g}" for name, v in zip(means, values)}, refresh=False)

    for model in models.values():
        model.train()
    # A redraw every few seconds at most: each one is a message from a notebook's kernel to the page.
    bar = tqdm(total=total, initial=done, desc=description, leave=True, mininterval=PROGRESS_SECONDS) if progress else None
    if done == 0:
        take_snapshot()
    finished = total is not None and done >= total
    while not finished:
        for batch in data:
            if use_channels_last:
                batch = tuple(t.contiguous(memory_format=torch.channels_last) if t.ndim == 4 else t for t in batch)
            losses = step(batch, precision)
            for name, value in losses.items():
                value = value.detach()
                running[name] = running[name] + value if name in running else value
                counts[name] = counts.get(name, 0) + 1
            done += 1
            since_log += 1
            if bar is not None:
                bar.update(1)
            if since_log == log_every:
                flush()
            if snapshot_every and done % snapshot_every == 0:
                take_snapshot()
            if checkpoint is not None and checkpoint_every and done % checkpoint_every == 0:
                save_training_state(checkpoint, models, optimizers, done, history)
            finished = (total is not None and done >= total) or time.monotonic() >= deadline
            if finished:
                break
        else:
            if batches_per_epoch == 0:
                raise ValueError("the data yields no batches; use a smaller batch size or more data.")
    if since_log:
        flush()
    if snapshot is not None and (not history.get("snapshot_step") or history["snapshot_step"][-1] != done):
        take_snapshot()
    if bar is not None:
        bar.close()
    if checkpoint is not None:
        save_training_state(checkpoint, models, optimizers, done, history)
    for model in models.values():
        model.eval()
    return history


def _total_steps(epochs: int | None, steps: int | None, batches_per_epoch: int | None) -> int | None:
    candidates = [] if steps is None else [steps]
    if epochs is not None:
        if batches_per_epoch is None:
            raise ValueError("an epoch budget needs data with a length; give steps=... or minutes=... instead.")
        candidates.append(epochs * batches_per_epoch)
    return min(candidates) if candidates else None


def _copy_weights(models: Mapping[str, nn.Module]) -> dict[str, dict[str, torch.Tensor]]:
    return {name: {k: v.detach().clone() for k, v in m.state_dict().items()} for name, m in models.items()}


def _restore_weights(models: Mapping[str, nn.Module], weights: dict[str, dict[str, torch.Tensor]]) -> None:
    for name, model in models.items():
        model.load_state_dict(weights[name])


def _weights_finite(models: Mapping[str, nn.Module]) -> bool:
    checks = [torch.isfinite(p).all() for m in models.values() for p in m.parameters()]
    return bool(torch.stack(checks).all()) if checks else True
