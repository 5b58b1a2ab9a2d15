r"""Figures drawn in code for the opening notebook: what a generative model is, the families of deep
generative models, and the map of the course.

* :func:`discriminative_vs_generative`: the same labelled data seen by a classifier, which models
  :math:`P(y \mid x)`, and by a generative model, which models :math:`P(x)` and can draw new points.
* :func:`taxonomy`: the family tree of deep generative models (after Goodfellow, *NIPS 2016 Tutorial:
  Generative Adversarial Networks*, fig. 9), with the notebooks that build each family.
* :func:`series_map`: the notebooks of the course in order, coloured by family.
"""

from __future__ import annotations

from typing import NamedTuple

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from ganlib.data.toy import GaussianMixture
from ganlib.plotting import PALETTE

FOUNDATIONS, EXPLICIT, IMPLICIT, EVALUATION = "foundations", "explicit density", "implicit density", "evaluation"
FAMILY_COLOURS = {FOUNDATIONS: PALETTE[5], EXPLICIT: PALETTE[0], IMPLICIT: PALETTE[1], EVALUATION: PALETTE[2]}


class Notebook(NamedTuple):
    number: str
    title: str
    idea: str
    family: str


SERIES = (
    Notebook("00", "Start here", "generative vs discriminative;\nthe families of models", FOUNDATIONS),
    Notebook("01", "Sampling", "noise in, samples out:\ninverse CDF, rejection, MCMC", FOUNDATIONS),
    Notebook("02", "Maximum likelihood & KL", r"fit $p_\theta$ to data;" "\n" r"$\mathrm{KL}(p_{data}\,\|\,p_\theta)$", EXPLICIT),
    Notebook("03", "Autoencoders & VAEs", "latent codes;\nthe evidence lower bound", EXPLICIT),
    Notebook("04", "MMD & moment matching", "compare samples with kernels;\nGMMN", IMPLICIT),
    Notebook("05", "The vanilla GAN", "generator vs discriminator;\nJensen–Shannon", IMPLICIT),
    Notebook("06", "DCGAN", "convolutional GANs on MNIST;\nstable training", IMPLICIT),
    Notebook("07", "Evaluating & comparing", "sample metrics: confidence,\nFréchet, precision, recall", EVALUATION),
    Notebook("08", "Beyond the GAN objective", "Wasserstein, class-conditional\nand semi-supervised GANs", IMPLICIT),
)


def _box(
    ax: Axes, x: float, y: float, width: float, height: float, title: str, body: str, colour: str, filled: bool
) -> None:
    """A rounded box centred on (x, y): a bold title over a smaller body, framed in ``colour``.

    ``filled`` boxes get a light tint of the colour, so black text stays readable on every fill.
    """
    tint = to_rgba(colour, 0.28) if filled else "white"
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            facecolor=tint,
            edgecolor=colour,
            linewidth=3.2 if filled else 2.0,
            zorder=2,
        )
    )
    if body:
        ax.text(x, y + height / 2 - 0.17, title, ha="center", va="center", fontsize=12, weight="bold", zorder=3)
        ax.text(x, y - 0.1, body, ha="center", va="center", fontsize=10.5, zorder=3, linespacing=1.4)
    else:
        ax.text(x, y, title, ha="center", va="center", fontsize=13, weight="bold", zorder=3)


def _edge(ax: Axes, start: tuple[float, float], end: tuple[float, float], arrow: bool = False) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>" if arrow else "-", mutation_scale=16, color="#555555", lw=1.6, zorder=1
        )
    )


def _bare_axes(figsize: tuple[float, float], xlim: tuple[float, float], ylim: tuple[float, float]) -> tuple[Figure, Axes]:
    fig, ax = plt.subplots(figsize=figsize)
    ax.set(xlim=xlim, ylim=ylim)
    ax.set_axis_off()
    return fig, ax


def _legend_and_title(ax: Axes, handles: list[Patch], below: float, title: str) -> None:
    """One row of legend entries centred under the diagram (at ``below`` in axes units), and the title."""
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, below), ncol=len(handles), frameon=False, fontsize=11)
    ax.set_title(title, fontsize=15, pad=4)


def taxonomy() -> Figure:
    r"""The family tree of deep generative models, with the notebooks of this course on its branches.

    Explicit models write down :math:`p_\theta(x)`: exactly (tractable) or through a bound or a Markov
    chain (approximate; diffusion and score-based models sit there, trained on a bound over many noising
    steps). Implicit models only give a way to sample, :math:`x = G_\theta(z)`, and are
    trained by comparing samples. Filled boxes are families this course builds.
    """
    fig, ax = _bare_axes((16.5, 7.2), (-0.55, 6.55), (-0.95, 3.45))
    leaf_w, leaf_h, node_w, node_h = 1.0, 1.1, 1.7, 0.62
    leaves = [
        (0, "Autoregressive", r"$p(x)=p(x_1)\,p(x_2 \mid x_1)\cdots$" "\nPixelCNN\nWaveNet", EXPLICIT, False),
        (1, "Normalizing flows", r"$p(x)=p_z(f(x))\,|\det J_f|$" "\nRealNVP\nGlow", EXPLICIT, False),
        (2, "Variational", r"$\log p(x) \geq$ ELBO" "\nVAE\n→ nb 03", EXPLICIT, True),
        (3, "Diffusion", "ELBO over $T$\nnoising steps\nDDPM, score-based", EXPLICIT, False),
        (4, "Markov chain", r"$p(x) \propto e^{-E(x)}$" "\nsampled by MCMC\nBoltzmann machines", EXPLICIT, False),
        (5, "Adversarial", r"$x = G(z)$ vs a critic" "\nGAN, DCGAN\n→ nb 05, 06", IMPLICIT, True),
        (6, "Moment matching", r"match $\mathbb{E}[\phi(x)]$" "\nMMD, GMMN\n→ nb 04", IMPLICIT, True),
    ]
    nodes = {
        "root": (3.0, 3.05, "Deep generative models", "", PALETTE[7], False),
        "explicit": (1.75, 2.1, "Explicit density", r"write down $p_\theta(x)$", EXPLICIT, False),
        "implicit": (5.5, 2.1, "Implicit density", r"only sample $x = G_\theta(z)$", IMPLICIT, False),
        "tractable": (0.5, 1.15, "Tractable", r"exact $\log p_\theta(x)$" "\n" "nb 02: a Gaussian only", EXPLICIT, False),
        "approximate": (3.0, 1.15, "Approximate", "bound or sample it", EXPLICIT, False),
    }
    parents = {"explicit": "root", "implicit": "root", "tractable": "explicit", "approximate": "explicit"}
    leaf_parent = {0: "tractable", 1: "tractable", 2: "approximate", 3: "approximate", 4: "approximate", 5: "implicit", 6: "implicit"}
    for name, parent in parents.items():
        (x0, y0, *_), (x1, y1, *_) = nodes[parent], nodes[name]
        _edge(ax, (x0, y0 - node_h / 2), (x1, y1 + node_h / 2))
    for x, *_ in leaves:
        px, py, *_ = nodes[leaf_parent[x]]
        _edge(ax, (px, py - node_h / 2), (x, leaf_h / 2))
    for name, (x, y, title, body, family, filled) in nodes.items():
        colour = FAMILY_COLOURS.get(family, family)
        _box(ax, x, y, node_w if name != "root" else 2.2, node_h, title, body, colour, filled)
    for x, title, body, family, filled in leaves:
        _box(ax, x, 0, leaf_w - 0.08, leaf_h, title, body, FAMILY_COLOURS[family], filled)
    handles = [
        Patch(facecolor=to_rgba(PALETTE[0], 0.28), edgecolor=PALETTE[0], linewidth=3, label="built in this course (nb = notebook)"),
        Patch(facecolor="white", edgecolor=PALETTE[0], linewidth=2, label="named for context"),
    ]
    _legend_and_title(ax, handles, -0.06, "A taxonomy of deep generative models")
    return fig


def series_map(current: str | None = None) -> Figure:
    """The notebooks in order, coloured by family; ``current`` (e.g. ``"01"``) is drawn with a thick frame."""
    per_row = (len(SERIES) + 1) // 2  # two rows, the first one the longer
    fig, ax = _bare_axes((3.75 * per_row, 5.6), (-0.52, per_row - 0.48), (-1.95, 1.5))
    width, height, rows = 0.9, 1.05, (0.6, -0.85)
    positions = [(i % per_row, rows[i // per_row]) for i in range(len(SERIES))]
    for (x, y), notebook in zip(positions, SERIES):
        colour = FAMILY_COLOURS[notebook.family]
        here = notebook.number == current
        ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.02,rounding_size=0.08",
                facecolor=to_rgba(colour, 0.28) if here else "white", edgecolor=colour, linewidth=3.2 if here else 2.0,
            )
        )
        ax.text(x, y + 0.32, notebook.number, ha="center", va="center", fontsize=17, weight="bold", color=colour)
        ax.text(x, y + 0.08, notebook.title, ha="center", va="center", fontsize=12.5, weight="bold")
        ax.text(x, y - 0.25, notebook.idea, ha="center", va="center", fontsize=10.5, linespacing=1.4)
        if here:
            ax.text(x - width / 2 + 0.03, y + height / 2 + 0.04, "you are here", ha="left", va="bottom", fontsize=11,
                    style="italic")
    for (x, y), (nx, ny) in zip(positions, positions[1:]):
        if ny == y:
            _edge(ax, (x + width / 2 + 0.02, y), (nx - width / 2 - 0.02, ny), arrow=True)
    # the turn from the end of the first row to the start of the second
    middle = (rows[0] + rows[1]) / 2
    last = per_row - 1
    ax.plot([last, last, 0], [rows[0] - height / 2 - 0.02, middle, middle], color="#555555", lw=1.6, zorder=1)
    _edge(ax, (0, middle), (0, rows[1] + height / 2 + 0.02), arrow=True)
    handles = [Patch(facecolor="white", edgecolor=c, linewidth=2.2, label=f) for f, c in FAMILY_COLOURS.items()]
    _legend_and_title(ax, handles, -0.02, "The map of the course")
    return fig


def discriminative_vs_generative(n_per_class: int = 120, seed: int = 0) -> Figure:
    r"""Two labelled classes in 2-D, seen two ways.

    Left, a discriminative model: only :math:`P(y=1 \mid x)` (shaded) and its decision boundary.
    Right, a generative model: the density :math:`P(x) = \sum_y P(x \mid y) P(y)` (contours) and fresh
    points drawn from it. Both come from the same two Gaussian classes, so the left panel is Bayes'
    rule applied to the right one; the converse is impossible: :math:`P(y \mid x)` says nothing about
    where the points lie.
    """
    classes = [GaussianMixture([[-1.1, -0.5]], 0.8), GaussianMixture([[1.1, 0.7]], 0.8)]
    generator = torch.Generator().manual_seed(seed)
    data = [c.sample(n_per_class, generator) for c in classes]
    ticks = torch.linspace(-3.5, 3.5, 200)
    xs, ys = torch.meshgrid(ticks, ticks, indexing="xy")
    points = torch.stack([xs.flatten(), ys.flatten()], dim=1)
    log_joint = torch.stack([c.log_prob(points) for c in classes]) + torch.log(torch.tensor(0.5))
    posterior = torch.softmax(log_joint, dim=0)[1].reshape(xs.shape)
    density = torch.logsumexp(log_joint, dim=0).exp().reshape(xs.shape)
    fresh = GaussianMixture(torch.cat([c.means for c in classes]), torch.cat([c.stds for c in classes])).sample(
        40, generator
    )

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.0))
    blue_orange = LinearSegmentedColormap.from_list("blue_orange", [PALETTE[0], "white", PALETTE[1]])
    shade = left.contourf(xs.numpy(), ys.numpy(), posterior.numpy(), levels=11, cmap=blue_orange, alpha=0.4)
    left.contour(xs.numpy(), ys.numpy(), posterior.numpy(), levels=[0.5], colors="black", linewidths=2)
    fig.colorbar(shade, ax=left, label=r"$P(y=1 \mid x)$", ticks=[0, 0.5, 1], fraction=0.046)
    for k, (points_k, marker) in enumerate(zip(data, "o^")):
        left.scatter(points_k[:, 0], points_k[:, 1], s=30, marker=marker, color=PALETTE[k], edgecolor="black",
                     linewidth=0.5, label=f"class y = {k}")
    left.set_title(r"Discriminative: learn $P(y \mid x)$")
    left.legend(loc="upper left", fontsize=10)

    contours = right.contourf(xs.numpy(), ys.numpy(), density.numpy(), levels=10, cmap="Greys", alpha=0.7)
    fig.colorbar(contours, ax=right, label="density $P(x)$", ticks=[], fraction=0.046)
    everything = torch.cat(data)
    right.scatter(everything[:, 0], everything[:, 1], s=12, color=PALETTE[7], alpha=0.3, label="training data")
    right.scatter(fresh[:, 0], fresh[:, 1], s=90, marker="*", color=PALETTE[2], edgecolor="black", linewidth=0.5,
                  label="new samples")
    right.set_title(r"Generative: learn $P(x)$, then sample it")
    right.legend(loc="upper left", fontsize=10)
    for ax in (left, right):
        ax.set(xlim=(-3.5, 3.5), ylim=(-3.5, 3.5), xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
        ax.grid(False)
    fig.tight_layout()
    return fig
