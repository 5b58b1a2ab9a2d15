"""The one training loop of the course, and the step functions it runs.

Every model (classifier, VAE, GMMN, GAN) trains through :func:`train`. What differs is the **step**: a
function that takes one mini-batch, updates the networks (``zero_grad``, ``backward``, ``step``) and returns
the losses it wants logged, as tensors. :func:`loss_step` makes one for a model with one loss and one
optimiser; a GAN's is :meth:`ganlib.gan.GAN.step`. The loop around it is the same for every model:

* a budget in epochs, steps or minutes, and a progress bar with the running losses;
* a history (a dict of lists) averaged over every ``log_every`` steps, and optional sample snapshots;
* the losses are summed on the device and read back once per ``log_every`` steps, so a GPU does not
  wait for the host after every step;
* NaN/inf detection: training stops with :class:`TrainingDiverged` and the networks get back their last
  finite weights, so a diverged run never destroys a model that was fine a moment before.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from ganlib.device import autocast

Batch = tuple[torch.Tensor, ...]
Step = Callable[[Batch], Mapping[str, torch.Tensor]]
History = dict[str, list[Any]]
PROGRESS_SECONDS = 3.0  # the least time between two redraws of the progress bar


class TrainingDiverged(RuntimeError):
    """A loss or weight became NaN or infinite; the networks hold their last finite weights again."""


def linear_decay(optimizer: torch.optim.Optimizer, steps: int, start: int = 0) -> torch.optim.lr_scheduler.LambdaLR:
    r"""The course's one learning-rate schedule: constant for ``start`` updates, then linear to 0 at ``steps``.

    :math:`\eta_t = \eta_0` for :math:`t < t_0`, then :math:`\eta_t = \eta_0 \max(0, 1 - (t - t_0) / (T - t_0))`.
    Late updates become small, so the samples settle instead of jittering around the modes. Call its
    ``step()`` once per update (:func:`loss_step` and :class:`~ganlib.gan.GAN` do).
    """
    if not 0 <= start < steps:
        raise ValueError(f"need 0 <= start < steps, got start={start}, steps={steps}.")
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: 1.0 if t < start else max(0.0, 1 - (t - start) / (steps - start)))


def loss_step(
    loss_fn: Callable[[Batch], dict[str, torch.Tensor]],
    optimizer: torch.optim.Optimizer,
    schedule: torch.optim.lr_scheduler.LRScheduler | None = None,
    *,
    amp: bool = False,
) -> Step:
    """A step that minimises ``loss_fn(batch)["loss"]`` with ``optimizer``; every entry of the dict is logged.

    ``schedule`` (e.g. :func:`linear_decay`) advances after each update; ``amp`` computes the loss in
    bfloat16 where the device does so natively (:func:`ganlib.device.autocast`).
    """

    def step(batch: Batch) -> dict[str, torch.Tensor]:
        with autocast(batch[0].device, amp):
            losses = loss_fn(batch)
        optimizer.zero_grad(set_to_none=True)
        losses["loss"].backward()
        optimizer.step()
        if schedule is not None:
            schedule.step()
        return losses

    return step


def classifier_step(model: nn.Module, optimizer: torch.optim.Optimizer, schedule: torch.optim.lr_scheduler.LRScheduler | None = None) -> Step:
    """Cross-entropy on ``(images, labels)`` batches; logs the loss and the batch accuracy."""

    def loss_fn(batch: Batch) -> dict[str, torch.Tensor]:
        images, labels = batch[0], batch[1]
        logits = model(images)
        return {"loss": F.cross_entropy(logits, labels), "accuracy": (logits.argmax(dim=1) == labels).float().mean()}

    return loss_step(loss_fn, optimizer, schedule)


def train(
    step: Step,
    data: Iterable[Batch],
    models: Mapping[str, nn.Module],
    *,
    epochs: int | None = None,
    steps: int | None = None,
    minutes: float | None = None,
    log_every: int = 10,
    snapshot: Callable[[], torch.Tensor] | None = None,
    snapshot_every: int | None = None,
    channels_last: bool = False,
    progress: bool = True,
    description: str = "training",
) -> History:
    """Run ``step`` over mini-batches of ``data`` until the budget is spent; return the history.

    Args:
        step: ``step(batch) -> {"loss name": scalar tensor}``; it updates the networks itself.
        data: re-iterable mini-batches (one pass is one epoch), e.g. a ``ganlib.data.batches.BatchIterator``
            whose tensors already sit on the training device.
        models: the networks being trained, by name: put in training mode, and restored on divergence.
        epochs, steps, minutes: the budget (at least one; training stops at the first one reached).
        log_every: steps between history entries (and between reads of the losses from the device).
        snapshot: a function returning a tensor to keep (e.g. images from fixed noise); called at the
            start, every ``snapshot_every`` steps and at the end, stored in ``history["snapshots"]``.
        channels_last: channels-last memory format for the models and 4-D batches (faster convolutions
            with cuDNN, and with oneDNN on the CPU).

    Returns:
        ``history``: ``"step"`` and one list per loss, averaged over each ``log_every`` steps, plus
        ``"snapshot_step"`` and ``"snapshots"`` when ``snapshot`` is given.
    """
    total = _total_steps(data, epochs, steps, minutes, log_every)
    deadline = time.monotonic() + 60 * minutes if minutes is not None else math.inf
    for model in models.values():
        model.train()
        if channels_last:
            model.to(memory_format=torch.channels_last)
    history: History = {"step": []}
    sums: dict[str, torch.Tensor] = {}
    counts: dict[str, int] = {}  # a loss may be logged on some steps only (the G loss with k D-steps)
    last_good = _copy_weights(models)
    done = 0
    bar = tqdm(total=None if math.isinf(total) else total, desc=description, mininterval=PROGRESS_SECONDS) if progress else None

    def take_snapshot() -> None:
        if snapshot is not None and done not in history.get("snapshot_step", []):
            with torch.no_grad():
                history.setdefault("snapshot_step", []).append(done)
                history.setdefault("snapshots", []).append(snapshot().detach().float().cpu())

    def log() -> None:
        """Read the summed losses back from the device once, check them and the weights, log the means."""
        nonlocal last_good
        names = list(sums)
        means = torch.stack([sums[n] / counts[n] for n in names]).float().cpu().tolist() if names else []
        bad = [f"the loss {n!r} became {v}" for n, v in zip(names, means) if not math.isfinite(v)]
        if bad or not _weights_finite(models):
            _restore_weights(models, last_good)
            raise TrainingDiverged(
                f"{bad[0] if bad else 'a weight became NaN/inf'} by step {done}; the networks hold their last finite "
                "weights again. Lower the learning rate, check the inputs for NaN, or use a loss that cannot saturate."
            )
        history["step"].append(done)
        for name, mean in zip(names, means):
            history.setdefault(name, []).append(mean)
        last_good = _copy_weights(models)
        sums.clear()
        counts.clear()
        if bar is not None:
            bar.set_postfix({name: f"{mean:.3g}" for name, mean in zip(names, means)}, refresh=False)

    take_snapshot()
    while done < total and (done == 0 or time.monotonic() < deadline):  # at least one step, whatever the budget
        for batch in data:
            if channels_last:
                batch = tuple(t.contiguous(memory_format=torch.channels_last) if t.ndim == 4 else t for t in batch)
            for name, value in step(batch).items():
                sums[name] = sums[name] + value.detach() if name in sums else value.detach()
                counts[name] = counts.get(name, 0) + 1
            done += 1
            if bar is not None:
                bar.update(1)
            if done % log_every == 0:
                log()
            if snapshot_every and done % snapshot_every == 0:
                take_snapshot()
            if done >= total or time.monotonic() >= deadline:
                break
        if done == 0:
            raise ValueError("the data yields no batches; use a smaller batch size or more data.")
    if sums:
        log()
    take_snapshot()
    if bar is not None:
        bar.close()
    for model in models.values():
        model.eval()
    return history


def _total_steps(data: Iterable[Batch], epochs: int | None, steps: int | None, minutes: float | None, log_every: int) -> int | float:
    """The step budget (infinite with minutes only), after checking the arguments."""
    if epochs is None and steps is None and minutes is None:
        raise ValueError("give a budget: epochs=..., steps=... or minutes=...")
    for name, value in (("epochs", epochs), ("steps", steps), ("minutes", minutes), ("log_every", log_every)):
        if value is not None and value <= 0:
            raise ValueError(f"{name} must be positive, got {value}.")
    budgets: list[int | float] = [math.inf] if steps is None else [steps]
    if epochs is not None:
        if not hasattr(data, "__len__"):
            raise ValueError("an epoch budget needs data with a length; give steps=... or minutes=... instead.")
        budgets.append(epochs * len(data))  # type: ignore[arg-type]
    return min(budgets)


def _copy_weights(models: Mapping[str, nn.Module]) -> dict[str, dict[str, torch.Tensor]]:
    return {name: {k: v.detach().clone() for k, v in m.state_dict().items()} for name, m in models.items()}


def _restore_weights(models: Mapping[str, nn.Module], weights: dict[str, dict[str, torch.Tensor]]) -> None:
    for name, model in models.items():
        model.load_state_dict(weights[name])


def _weights_finite(models: Mapping[str, nn.Module]) -> bool:
    checks = [torch.isfinite(p).all() for m in models.values() for p in m.parameters()]
    return bool(torch.stack(checks).all()) if checks else True
