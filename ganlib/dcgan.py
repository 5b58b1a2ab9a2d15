r"""The DCGAN of notebook 06: a training run, the failure lab, and arithmetic on latent codes.

**A run.** The reference settings of Radford, Metz & Chintala (2016), :class:`DCGANSettings`'s defaults:
images scaled to [-1, 1] (the generator ends in ``tanh``), mini-batches of 128, weights drawn from
N(0, 0.02) (done by the models), LeakyReLU(0.2) in the discriminator, batch normalisation in both
networks, and Adam with learning rate :math:`2 \cdot 10^{-4}` and :math:`\beta_1 = 0.5`. The game is the
non-saturating one: D minimises :math:`-\log D(x) - \log(1 - D(G(z)))`, G minimises :math:`-\log D(G(z))`.
:func:`train_dcgan` builds both networks (:mod:`ganlib.models.dcgan`) and the game (:class:`ganlib.gan.GAN`),
and trains them with :func:`ganlib.train.train`.

**The failure lab.** Each entry of :data:`FAILURES` changes one setting of :class:`DCGANSettings`:

* ``"ReLU in D"``: ReLU instead of LeakyReLU(0.2) in the discriminator. A ReLU passes no gradient for
  negative inputs, so the generator only hears about the pixels that switched a unit on;
* ``"Adam β1 = 0.9"``: the usual momentum instead of the paper's 0.5. Momentum averages gradients over
  about :math:`1/(1 - \beta_1)` steps, 10 instead of 2, but in a game the opponent keeps moving, so old
  gradients point the wrong way and the two players overshoot and oscillate;
* ``"no batch norm"``: no batch normalisation in either network. With N(0, 0.02) weights every layer
  shrinks its input, the generator starts from an almost constant image, and nothing keeps its samples
  of one batch apart.

:func:`run_lab` trains each variant (and, by the name ``"reference"``, the settings left intact) from the
same seed, so differences come from the change alone, and
:func:`confidence_over_training` scores each snapshot with the evaluation classifier.
:func:`summarise_lab` keeps what the notebook shows of each run; the recipe ``dcgan-failure-lab`` ships
that summary of the notebook's four runs in ``data/runs/``, so that the notebook loads them by default and
trains them again only when asked to.

**Arithmetic on latent codes**: styles as directions, measured on the images they produce. Radford et al.
(2016) averaged the codes of a few samples that share a property ("smiling woman") and found that differences of such **mean codes** behave like vectors:
:math:`\bar z_\text{smiling woman} - \bar z_\text{neutral woman} + \bar z_\text{neutral man}` decodes to a
smiling man. On digits the properties are styles of handwriting, which we can measure on the images:

* :func:`slant`: the shear of the ink, :math:`\operatorname{cov}(x, y) / \operatorname{var}(y)` under the
  ink distribution (0 for an upright digit, > 0 for one leaning right);
* :func:`ink`: the mean pixel intensity, which within one digit grows with the stroke width.

:func:`style_direction` turns such a score into a direction
:math:`d = \bar z_\text{most} - \bar z_\text{least}`, and :func:`along` walks codes along it,
:math:`z + \alpha d`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import torch

from ganlib.checks import check_images, check_symmetric_images
from ganlib.data.batches import BatchIterator
from ganlib.device import own_rng
from ganlib.gan import GAN
from ganlib.models.dcgan import DCGANDiscriminator, DCGANGenerator
from ganlib.train import History, train


@dataclass(frozen=True)
class DCGANSettings:
    """Everything that defines a DCGAN run except its length. The defaults are the paper's."""

    width: int = 32
    latent_dim: int = 64
    batchnorm: bool = True
    d_activation: Literal["leaky", "relu"] = "leaky"
    lr: float = 2e-4
    beta1: float = 0.5
    batch_size: int = 128
    lr_decay: bool = False  # decay both learning rates linearly to 0 over the run (needs a step budget)

    def generator_config(self) -> dict[str, Any]:
        return {"latent_dim": self.latent_dim, "width": self.width, "batchnorm": self.batchnorm}

    def discriminator_config(self) -> dict[str, Any]:
        return {"width": self.width, "batchnorm": self.batchnorm, "d_activation": self.d_activation}

    def changed(self, **changes: Any) -> DCGANSettings:
        """A copy with some settings changed, e.g. ``settings.changed(beta1=0.9)``."""
        unknown = set(changes) - set(asdict(self))
        if unknown:
            raise ValueError(f"unknown DCGAN settings {sorted(unknown)}; known: {', '.join(asdict(self))}.")
        return replace(self, **changes)


@dataclass
class DCGANRun:
    """A trained DCGAN (its two players, optimisers and rules in ``gan``) and the history of its training
    (``history["snapshots"]``: the images of the fixed snapshot codes)."""

    settings: DCGANSettings
    gan: GAN
    history: History

    @property
    def generator(self) -> DCGANGenerator:
        return self.gan.generator  # type: ignore[return-value]

    @property
    def discriminator(self) -> DCGANDiscriminator:
        return self.gan.discriminator  # type: ignore[return-value]


def train_dcgan(
    settings: DCGANSettings,
    images: torch.Tensor,
    *,
    steps: int | None = None,
    minutes: float | None = None,
    seed: int = 0,
    snapshot_codes: torch.Tensor | None = None,
    snapshot_every: int | None = None,
    amp: bool = False,
    channels_last: bool = False,
    progress: bool = True,
    description: str = "dcgan",
) -> DCGANRun:
    """Train a DCGAN from scratch on ``images`` (in [-1, 1], already on the training device).

    Args:
        settings: architecture and optimiser (see :class:`DCGANSettings`).
        steps, minutes: the budget (at least one); a step is one D update and one G update.
        seed: seeds the initial weights, the noise and the order of the mini-batches (the caller's
            random numbers are left as they were: see :func:`ganlib.device.own_rng`).
        snapshot_codes: fixed latent codes whose images are kept every ``snapshot_every`` steps.
        amp, channels_last: bfloat16 where native, and channels-last memory (see :func:`ganlib.train.train`).

    Returns:
        the networks (in eval mode) and the history of :func:`ganlib.train.train`.
    """
    check_symmetric_images(images)
    if settings.lr_decay and steps is None:
        raise ValueError("lr_decay=True decays the learning rates to 0 at the last step: give steps=....")
    device = images.device
    with own_rng(seed, device):
        generator = DCGANGenerator(**settings.generator_config()).to(device)
        discriminator = DCGANDiscriminator(**settings.discriminator_config()).to(device)
        gan = GAN.build(generator, discriminator, lr=settings.lr, betas=(settings.beta1, 0.999),
                        decay_over=steps if settings.lr_decay else None, loss="nonsaturating", amp=amp)
        codes = None if snapshot_codes is None else snapshot_codes.to(device)
        history = train(
            gan.step,
            BatchIterator(images, batch_size=settings.batch_size, generator=torch.Generator().manual_seed(seed)),
            gan.models,
            steps=steps,
            minutes=minutes,
            snapshot=None if codes is None else lambda: generator.decode_in_eval_mode(codes),
            snapshot_every=snapshot_every,
            channels_last=channels_last,
            progress=progress,
            description=description,
        )
    return DCGANRun(settings, gan, history)


REFERENCE = "reference"
# The notebook's lab: small runs, so that all four fit in a few minutes of a laptop CPU.
LAB_SETTINGS = DCGANSettings(width=16, lr=1e-3, batch_size=64)
LAB_STEPS = 400
LAB_SNAPSHOT_EVERY = 50
KEPT_SAMPLES = 36  # final samples kept per run
FAILURES: dict[str, dict[str, Any]] = {
    "ReLU in D": {"d_activation": "relu"},
    "Adam β1 = 0.9": {"beta1": 0.9},
    "no batch norm": {"batchnorm": False},
}


def run_lab(
    images: torch.Tensor,
    base: DCGANSettings,
    steps: int,
    names: Iterable[str] = tuple(FAILURES),
    **train_options: Any,
) -> dict[str, DCGANRun]:
    """Train ``base`` changed by each of the :data:`FAILURES` called ``names``, for ``steps`` steps each;
    the name ``"reference"`` trains ``base`` itself.

    ``train_options`` go to :func:`train_dcgan` (``seed``, ``snapshot_codes``, ...).
    """
    names = list(names)
    unknown = [name for name in names if name != REFERENCE and name not in FAILURES]
    if unknown:
        raise ValueError(f"unknown failures {unknown}; choose from {REFERENCE!r} and {', '.join(FAILURES)}.")
    return {
        name: train_dcgan(base.changed(**FAILURES.get(name, {})), images, steps=steps, description=name, **train_options)
        for name in names
    }


def confidence_over_training(history: Mapping[str, Sequence[Any]]) -> list[float]:
    """The share of each snapshot's images that the evaluation classifier reads with confidence ≥ 0.9."""
    from ganlib.metrics.confidence import classifier_confidence

    if not history.get("snapshots"):
        raise ValueError("the history holds no snapshots: train with snapshot_codes=... and snapshot_every=....")
    return [classifier_confidence(images)["confident"] for images in history["snapshots"]]


def lab_codes() -> torch.Tensor:
    """The 256 fixed codes whose images every run of the lab records (seed 6)."""
    return torch.randn(256, LAB_SETTINGS.latent_dim, generator=torch.Generator().manual_seed(6))


def summarise_lab(runs: Mapping[str, DCGANRun]) -> dict[str, dict[str, Any]]:
    """What the notebook shows of each run: the logged history (without the snapshots), the confident share
    at each snapshot, and the first :data:`KEPT_SAMPLES` images of the last snapshot, in [0, 1]."""
    logged = ("step", "d_loss", "g_loss", "d_real", "d_fake", "snapshot_step")
    return {
        name: {
            "history": {key: list(run.history[key]) for key in logged},
            "confidence": confidence_over_training(run.history),
            "samples": run.history["snapshots"][-1][:KEPT_SAMPLES].clone(),
        }
        for name, run in runs.items()
    }


def _grid(size: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel coordinates ``x`` (column, rightwards) and ``y`` (upwards), each ``(size, size)``."""
    coords = torch.arange(size, dtype=torch.float32, device=device)
    y, x = torch.meshgrid(-coords, coords, indexing="ij")
    return x, y


def slant(images: torch.Tensor) -> torch.Tensor:
    r"""Slant of each image, :math:`s = \sum I (x - \bar x)(y - \bar y) \big/ \sum I (y - \bar y)^2`.

    :math:`I` are the pixel intensities (in [0, 1]) and :math:`(\bar x, \bar y)` the centre of the ink.
    :math:`s` is the horizontal shift of the strokes per pixel of height, so 0.3 leans right by about
    17° (:math:`\arctan 0.3`). This is the shear that "deskewing" MNIST removes.
    """
    ink_map = check_images(images)[:, 0].clamp(min=0)
    x, y = _grid(ink_map.shape[-1], ink_map.device)
    mass = ink_map.sum(dim=(1, 2)).clamp(min=1e-8)
    x_bar = (ink_map * x).sum(dim=(1, 2)) / mass
    y_bar = (ink_map * y).sum(dim=(1, 2)) / mass
    dx, dy = x - x_bar[:, None, None], y - y_bar[:, None, None]
    return (ink_map * dx * dy).sum(dim=(1, 2)) / (ink_map * dy * dy).sum(dim=(1, 2)).clamp(min=1e-8)


def ink(images: torch.Tensor) -> torch.Tensor:
    """Mean pixel intensity of each image (in [0, 1]): the amount of ink, thicker strokes hold more."""
    return check_images(images).flatten(1).mean(dim=1)


def style_direction(
    codes: torch.Tensor, scores: torch.Tensor, labels: torch.Tensor | None = None, share: float = 0.2
) -> torch.Tensor:
    r"""Mean code of the ``share`` of samples with the highest score minus that of the lowest, ``(d,)``.

    With ``labels`` (e.g. the digit the classifier sees), the difference is taken within each class and
    then averaged over classes, :math:`d = \frac1K \sum_k (\bar z_{k,\text{high}} - \bar z_{k,\text{low}})`,
    so the direction changes the style without also changing which digit is drawn (the ink of a 1 is
    always lower than that of an 8, whatever the style).
    """
    if codes.ndim != 2 or scores.shape != (codes.shape[0],):
        raise ValueError(f"expected codes (n, d) and one score per code (n,), got {tuple(codes.shape)} and {tuple(scores.shape)}.")
    if not 0 < share <= 0.5:
        raise ValueError(f"share must be in (0, 0.5] (the top and bottom parts must not overlap), got {share}.")
    groups = [torch.ones_like(scores, dtype=torch.bool)] if labels is None else [labels == k for k in labels.unique()]
    differences = []
    for members in groups:
        group_codes, group_scores = codes[members], scores[members]
        k = int(share * len(group_scores))
        if k == 0:
            continue
        order = group_scores.argsort()
        differences.append(group_codes[order[-k:]].mean(dim=0) - group_codes[order[:k]].mean(dim=0))
    if not differences:
        raise ValueError(f"too few samples: a share of {share} of each group must hold at least one code.")
    return torch.stack(differences).mean(dim=0)


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: float) -> torch.Tensor:
    r"""Spherical interpolation, :math:`\frac{\sin((1-t)\omega)}{\sin\omega} z_0 + \frac{\sin(t\omega)}{\sin\omega} z_1`
    with :math:`\cos\omega = \frac{z_0 \cdot z_1}{\lVert z_0\rVert \lVert z_1\rVert}`, for codes of shape ``(d,)``.

    Codes from :math:`\mathcal N(0, I_d)` have norms close to :math:`\sqrt d`; the straight line between two
    of them passes through shorter, untypical codes (norm about :math:`\sqrt{d/2}` half-way), while this
    path keeps the norm. Falls back to the straight line when the codes are (nearly) parallel.
    """
    cos = torch.dot(z0, z1) / (z0.norm() * z1.norm()).clamp(min=1e-12)
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    if float(torch.sin(omega)) < 1e-6:
        return (1 - t) * z0 + t * z1
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def along(codes: torch.Tensor, direction: torch.Tensor, strengths: Sequence[float]) -> torch.Tensor:
    r"""Codes :math:`z_i + \alpha_j d` for every code ``i`` and strength ``j``, row by row: ``(n · len(strengths), d)``.

    Tiled with ``nrow=len(strengths)``, each row of the grid is one code walked along the direction.
    """
    if codes.ndim != 2 or direction.shape != (codes.shape[1],):
        raise ValueError(f"expected codes (n, d) and a direction (d,), got {tuple(codes.shape)} and {tuple(direction.shape)}.")
    alphas = torch.as_tensor(list(strengths), dtype=codes.dtype, device=codes.device)
    return (codes[:, None, :] + alphas[None, :, None] * direction.to(codes.device)).reshape(-1, codes.shape[1])


