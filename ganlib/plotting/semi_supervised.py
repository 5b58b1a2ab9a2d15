"""Figures of the semi-supervised GAN (notebook 08): accuracy curves and bars, and a confusion matrix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

from ganlib.plotting import PALETTE, axes_or_new


def plot_accuracy_curves(curves: Mapping[str, Mapping[str, Sequence[float]]], title: str = "Val accuracy during training") -> Figure:
    """One line per run: ``curves[name] = {"step": [...], "val_accuracy": [...]}`` (as the ``ssgan-mnist`` checkpoint stores them)."""
    fig, ax = axes_or_new(None)
    for (name, curve), colour in zip(curves.items(), PALETTE):
        ax.plot(curve["step"], 100 * np.asarray(curve["val_accuracy"]), label=name, color=colour, lw=1.8)
    ax.set(xlabel="training step", ylabel="val accuracy (%)", title=title, ylim=(0, 100))
    ax.legend()
    return fig


def plot_accuracy_bars(accuracies: Mapping[str, float], title: str = "Val accuracy from 100 labels") -> Figure:
    """A bar per model, labelled with its accuracy in percent."""
    fig, ax = axes_or_new(None, figsize=(5.0, 3.6))
    names, values = list(accuracies), [100 * v for v in accuracies.values()]
    bars = ax.bar(names, values, color=PALETTE[: len(names)], width=0.6)
    ax.bar_label(bars, labels=[f"{v:.1f}%" for v in values], padding=3)
    ax.set(ylabel="val accuracy (%)", ylim=(0, 105), title=title)
    ax.grid(axis="x", visible=False)
    return fig


def plot_confusion(labels: torch.Tensor, predictions: torch.Tensor, classes: int = 10, title: str = "Confusion matrix") -> Figure:
    """Counts of (true class, predicted class) pairs; the diagonal holds the right answers."""
    labels, predictions = labels.cpu().long(), predictions.cpu().long()
    if labels.shape != predictions.shape:
        raise ValueError(f"give one prediction per label, got {tuple(predictions.shape)} predictions for {tuple(labels.shape)} labels.")
    counts = torch.bincount(labels * classes + predictions, minlength=classes * classes).reshape(classes, classes).numpy()
    fig, ax = axes_or_new(None, figsize=(5.2, 4.6))
    image = ax.imshow(counts, cmap="Blues")
    for (row, column), count in np.ndenumerate(counts):
        if count:
            ax.text(column, row, str(count), ha="center", va="center", fontsize=8,
                    color="white" if count > counts.max() / 2 else "black")
    ax.set(xticks=range(classes), yticks=range(classes), xlabel="predicted digit", ylabel="true digit", title=title)
    ax.grid(False)
    fig.colorbar(image, ax=ax, label="images")
    return fig
