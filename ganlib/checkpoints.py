"""Saving and loading trained networks together with what is needed to trust them.

A checkpoint is a plain dictionary saved with ``torch.save``:

* ``model_class`` and ``config``: the class name (a key of ``ganlib.models.MODELS``) and the keyword
  arguments of its constructor, so the network can be rebuilt;
* ``state_dict``: the weights;
* ``meta``: ganlib version, checkpoint format, data used, the command that trained it, its metrics;
* anything else the caller adds (curves, samples, fitted parameters).

A *run file* (``data/runs/NAME.pt``) holds no network, only what a notebook shows of some training runs
(their histories, scores and final samples), so that it can show them without training them again.

Files are written to a temporary name and renamed, so an interrupted save never destroys the previous
checkpoint, and read with ``torch.load(weights_only=True)``, which cannot run code hidden in a file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

import ganlib
from ganlib.data import data_dir

FORMAT = 1


class CheckpointError(RuntimeError):
    """A checkpoint cannot be used: missing, corrupt, from an incompatible version, or for another model."""


def save_checkpoint(
    path: str | Path,
    model: nn.Module,
    config: dict[str, Any],
    *,
    data: str = "",
    command: str = "",
    metrics: dict[str, float] | None = None,
    **extra: Any,
) -> Path:
    """Write ``model`` (built as ``type(model)(**config)``) and its metadata to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "model_class": type(model).__name__,
        "config": dict(config),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "meta": {
            "format": FORMAT,
            "ganlib_version": ganlib.__version__,
            "data": data,
            "command": command,
            "metrics": dict(metrics or {}),
        },
        **extra,
    }
    partial = path.with_name(path.name + ".partial")
    torch.save(payload, partial)
    os.replace(partial, path)
    return path


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint file safely and check its format; raises :class:`CheckpointError` with the fix."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"no checkpoint at {path}. Train one with `python -m ganlib train NAME`, or check the path.")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # truncated zip, random bytes, pickled code: all unusable
        raise CheckpointError(
            f"{path} is not a readable checkpoint ({type(error).__name__}: {error}). The file is corrupt or "
            "was not written by ganlib; delete it and retrain, or restore it from the repository (git checkout)."
        ) from error
    if not isinstance(payload, dict) or not {"model_class", "config", "state_dict", "meta"} <= payload.keys():
        raise CheckpointError(f"{path} is not a ganlib checkpoint (missing model_class/config/state_dict/meta).")
    found = payload["meta"].get("format")
    if found != FORMAT:
        raise CheckpointError(
            f"{path} uses checkpoint format {found}, but ganlib {ganlib.__version__} reads format {FORMAT}; "
            "retrain it with this version (`python -m ganlib train NAME`) or install the ganlib that wrote it "
            f"({payload['meta'].get('ganlib_version', 'unknown')})."
        )
    return payload


def build_model(payload: dict[str, Any]) -> nn.Module:
    """Rebuild the network a loaded checkpoint describes and put its weights in."""
    from ganlib.models import MODELS

    name = payload["model_class"]
    if name not in MODELS:
        raise CheckpointError(f"checkpoint holds a {name!r}, which this ganlib does not know; known: {', '.join(MODELS)}.")
    with torch.random.fork_rng(devices=[]):  # its random initial weights are overwritten: leave the caller's RNG alone
        model = MODELS[name](**payload["config"])
    load_weights(model, payload)
    return model


def load_weights(model: nn.Module, payload: dict[str, Any], config: dict[str, Any] | None = None) -> None:
    """Copy a checkpoint's weights into ``model``, refusing a different architecture with a clear message."""
    if type(model).__name__ != payload["model_class"]:
        raise CheckpointError(f"checkpoint holds a {payload['model_class']}, not a {type(model).__name__}.")
    if config is not None and dict(config) != payload["config"]:
        differing = sorted(k for k in set(config) | set(payload["config"]) if config.get(k) != payload["config"].get(k))
        raise CheckpointError(
            f"the checkpoint was trained with a different configuration ({', '.join(differing)} differ: "
            f"saved {[payload['config'].get(k) for k in differing]}, asked {[config.get(k) for k in differing]}). "
            "Build the model with the saved configuration, or start a new run."
        )
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as error:
        raise CheckpointError(f"the weights do not fit this {type(model).__name__}: {error}") from error


def pretrained_path(name: str) -> Path:
    """Where the pretrained checkpoint ``name`` lives: ``data/checkpoints/NAME.pt``."""
    return checkpoint_dir() / f"{name}.pt"


def pretrained(name: str, device: torch.device | str | None = None) -> nn.Module:
    """A ready pretrained network from ``data/checkpoints/`` (in eval mode), e.g. ``pretrained("vae-mnist")``."""
    path = pretrained_path(name)
    if not path.exists():
        available = sorted(p.stem for p in checkpoint_dir().glob("*.pt"))
        raise CheckpointError(
            f"unknown pretrained model {name!r}; available: {', '.join(available) or 'none'}. "
            "`python -m ganlib list` shows them, `python -m ganlib train NAME` trains one."
        )
    model = build_model(load_checkpoint(path))
    return model.to(device or "cpu").eval()


def save_runs(path: str | Path, runs: dict[str, Any], *, data: str = "", command: str = "") -> Path:
    """Write the histories of training runs (tensors, numbers, strings and lists of them; no networks) atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "meta": {"format": FORMAT, "ganlib_version": ganlib.__version__, "kind": "runs", "data": data, "command": command},
        "runs": runs,
    }
    partial = path.with_name(path.name + ".partial")
    torch.save(payload, partial)
    os.replace(partial, path)
    return path


def load_runs(name: str) -> dict[str, Any]:
    """The shipped training runs ``data/runs/NAME.pt`` (see :func:`save_runs`): ``{"meta": ..., "runs": ...}``."""
    path = runs_dir() / f"{name}.pt"
    if not path.exists():
        available = sorted(p.stem for p in runs_dir().glob("*.pt"))
        raise CheckpointError(
            f"no shipped runs called {name!r} in {runs_dir()}; available: {', '.join(available) or 'none'}. "
            f"`python -m ganlib train {name}` trains them again, or restore data/ from the repository (git checkout)."
        )
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise CheckpointError(f"{path} is not a readable run file ({type(error).__name__}: {error}); "
                              f"restore it from the repository or retrain it with `python -m ganlib train {name}`.") from error
    if not isinstance(payload, dict) or payload.get("meta", {}).get("kind") != "runs":
        raise CheckpointError(f"{path} is not a run file written by ganlib.checkpoints.save_runs.")
    return payload


def checkpoint_dir() -> Path:
    """The folder of pretrained checkpoints, ``data/checkpoints``."""
    return data_dir() / "checkpoints"


def runs_dir() -> Path:
    """The folder of shipped training-run histories, ``data/runs``: runs a notebook shows without retraining."""
    return data_dir() / "runs"
