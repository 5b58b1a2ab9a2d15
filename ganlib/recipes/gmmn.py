r"""Recipes for generative moment matching networks: ``gmmn-ring`` and ``gmmn-mnist``.

``gmmn-ring``: a :class:`~ganlib.models.gmmn.GMMN` from 2-D noise to the plane, trained on the 8-Gaussian
ring (``ganlib.data.toy.ring()``: standard deviation 0.01 at radius 1) with inverse multiquadric kernels of
bandwidths from 0.02 (a mode's width) to 0.5 (the ring's scale), and a cosine-decaying learning rate.
The last few percent of samples, on the "bridges" a continuous generator draws between modes, only
disappear after many small steps: notebook 04 trains the same network for a fraction of them.

``gmmn-mnist``: a GMMN in the code space of an autoencoder (GMMN+AE, Li, Swersky & Zemel 2015).
Two stages, both through :func:`ganlib.train.train`:

1. an :class:`~ganlib.models.autoencoder.Autoencoder` with a ``CODE_DIM``-D code, trained to reconstruct
   the 4,500 training images while a little Gaussian noise is added to its codes, so that the decoder
   also draws clean digits for codes *near* those of real images (generated codes are never exact);
2. a :class:`~ganlib.models.gmmn.GMMN` from noise to standardised codes, trained on the multi-bandwidth
   MMD² against the codes of the training images.

The checkpoint holds a :class:`~ganlib.models.gmmn.CodeSpaceGMMN`: the code GMMN and the decoder together,
so ``pretrained("gmmn-mnist").sample(n)`` gives images.

Departures from the paper, for a few CPU minutes on 4,500 images: Gaussian noise on the codes instead of
dropout, standardised codes instead of a sigmoid code layer, minibatches of 500 instead of 1,000, and
Gaussian kernels of bandwidths 2, 4, 8 and 16 around the typical distance between standardised codes
(about 8), where the paper used one bandwidth of 1 in its [0, 1] code space. Tried here: more code noise
blurs the decoder, less leaves it unable to draw the in-between codes a generator produces; 16-D codes
cover fewer digit styles; the number of GMMN steps mattered most.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ganlib.checkpoints import CheckpointError, pretrained_path, save_checkpoint
from ganlib.data.batches import BatchIterator
from ganlib.data.mnist import load_mnist
from ganlib.data.toy import ring
from ganlib.device import seed_everything
from ganlib.models.autoencoder import Autoencoder, reconstruction_loss
from ganlib.models.gmmn import GMMN, CodeSpaceGMMN, gmmn_step
from ganlib.recipes.recipe import Recipe
from ganlib.train import loss_step, train

RING_CONFIG = {"latent_dim": 2, "output_shape": [2], "hidden": [128, 128, 128]}
RING_BANDWIDTHS = (0.02, 0.05, 0.2, 0.5)
RING_STEPS = 15000
RING_BATCH = 128

CODE_DIM = 32
CODE_NOISE = 0.3  # standard deviation of the noise added to the codes, relative to each code's spread
CONFIG = {"latent_dim": 16, "code_dim": CODE_DIM, "hidden": [256, 256], "arch": "conv"}
BANDWIDTHS = (2.0, 4.0, 8.0, 16.0)  # standardised 32-D codes lie about sqrt(2 * 32) = 8 apart
AE_EPOCHS = 15
GMMN_STEPS = 3000
GMMN_BATCH = 500


def train_gmmn_ring(output: Path, minutes: float | None, device: torch.device) -> Path:
    """``RING_STEPS`` steps of IMQ-kernel MMD² on 20,000 points of the ring; saved with its mode coverage."""
    from ganlib.metrics.modes import mode_coverage

    generator = seed_everything(0)
    mixture = ring()
    model = GMMN(**RING_CONFIG).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, RING_STEPS)
    data = BatchIterator(mixture.sample(20_000, generator).to(device), batch_size=RING_BATCH, generator=generator)
    step = gmmn_step(model, optimizer, RING_BANDWIDTHS, kernel="imq", schedule=schedule)
    budget = {"steps": RING_STEPS} if minutes is None else {"steps": RING_STEPS, "minutes": minutes}
    train(step, data, {"gmmn": model}, description="gmmn-ring", **budget)
    coverage = mode_coverage(model.sample(2500, torch.Generator().manual_seed(0)), mixture)
    return save_checkpoint(
        output,
        model.cpu(),
        RING_CONFIG,
        data="ganlib.data.toy.ring(): 8 Gaussians, radius 1, std 0.01 (20,000 points)",
        command="python -m ganlib train gmmn-ring",
        metrics={"modes": float(coverage["modes"]), "high_quality": coverage["high_quality"]},
    )


def train_autoencoder(images: torch.Tensor, epochs: int, minutes: float | None, generator: torch.Generator) -> Autoencoder:
    """Reconstruction cross-entropy with noise of ``CODE_NOISE`` code standard deviations added to the codes."""
    model = Autoencoder(CODE_DIM, CONFIG["arch"]).to(images.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def loss(batch: tuple[torch.Tensor, ...]) -> dict[str, torch.Tensor]:
        codes = model.encode(batch[0])
        noisy = codes + CODE_NOISE * codes.detach().std(0) * torch.randn_like(codes)
        return reconstruction_loss(batch[0], model.decoder(noisy))

    data = BatchIterator(images, batch_size=128, generator=generator)
    budget = {"epochs": epochs} if minutes is None else {"epochs": epochs, "minutes": minutes}
    train(loss_step(loss, optimizer), data, {"autoencoder": model}, description="autoencoder", **budget)
    return model


def train_gmmn_mnist(output: Path, minutes: float | None, device: torch.device) -> Path:
    """Train the autoencoder, then the code GMMN (half of ``minutes`` each when given); save with metrics.

    The metrics need the evaluation classifier, so it is asked for before minutes of training, not after.
    """
    if not pretrained_path("mnist-classifier").exists():
        raise CheckpointError("gmmn-mnist is scored by the evaluation classifier: run `python -m ganlib train mnist-classifier` first.")
    generator = seed_everything(0)
    images, _ = load_mnist("train", source="subset", device=device)
    half = None if minutes is None else minutes / 2
    autoencoder = train_autoencoder(images, AE_EPOCHS, half, generator)

    model = CodeSpaceGMMN(**CONFIG).to(device)
    model.decoder.load_state_dict(autoencoder.decoder.state_dict())
    with torch.no_grad():
        codes = torch.cat([autoencoder.encode(batch) for batch in images.split(500)])
    model.set_code_statistics(codes)
    optimizer = torch.optim.Adam(model.code_generator.parameters(), lr=2e-3)
    data = BatchIterator(model.standardise(codes), batch_size=GMMN_BATCH, generator=generator)
    budget = {"steps": GMMN_STEPS} if half is None else {"steps": GMMN_STEPS, "minutes": half}
    step = gmmn_step(model.code_generator, optimizer, BANDWIDTHS)
    train(step, data, {"gmmn": model.code_generator}, description="code GMMN", **budget)
    model.eval()
    return save_checkpoint(
        output,
        model.cpu(),
        CONFIG,
        data="MNIST subset, train split (4,500 images)",
        command="python -m ganlib train gmmn-mnist",
        metrics=sample_metrics(model),
    )


def sample_metrics(model: CodeSpaceGMMN, n: int = 1000) -> dict[str, float]:
    """``ganlib.metrics.evaluation.evaluate`` of ``n`` samples: confidence, class entropy, Fréchet ratio, memorisation."""
    from ganlib.metrics.evaluation import evaluate

    scores = evaluate(model, n)
    keys = ("confident", "class_entropy", "frechet_ratio", "precision", "recall", "memorisation")
    return {key: float(scores[key]) for key in keys}


RECIPES = (
    Recipe("gmmn-ring", "2-D GMMN on the 8-Gaussian ring (IMQ kernels)", train_gmmn_ring),
    Recipe("gmmn-mnist", "GMMN in the 32-D code space of an autoencoder (GMMN+AE)", train_gmmn_mnist),
)
