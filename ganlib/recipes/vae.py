"""Recipes for the pretrained VAEs: ``vae-mnist`` (16-D latent) and ``vae2d-mnist`` (2-D latent).

``vae-mnist`` samples from a mixture of 10 Gaussians fitted to the codes of the training images after
training (``VAE.fit_prior``); its checkpoint reports the sample quality with that prior and with N(0, I).
"""

from __future__ import annotations

from pathlib import Path

import torch

from ganlib.checkpoints import save_checkpoint
from ganlib.data.batches import BatchIterator
from ganlib.data.mnist import load_mnist
from ganlib.device import seed_everything
from ganlib.models.vae import VAE, vae_loss
from ganlib.recipes.recipe import Recipe
from ganlib.train import loss_step, train


def train_vae(
    name: str,
    latent_dim: int,
    arch: str,
    epochs: int,
    output: Path,
    minutes: float | None,
    device: torch.device,
    prior_components: int = 0,
) -> Path:
    """Train a VAE on the MNIST subset's train split, fit its mixture prior (if it has one), and save it
    with its held-out ELBO."""
    generator = seed_everything(0)
    images, _ = load_mnist("train", source="subset", device=device)
    val_images, _ = load_mnist("val", source="subset", device=device)
    config = {"latent_dim": latent_dim, "arch": arch, **({"prior_components": prior_components} if prior_components else {})}
    model = VAE(**config).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = BatchIterator(images, batch_size=128, generator=generator)
    budget = {"minutes": minutes} if minutes is not None else {"epochs": epochs}
    train(loss_step(lambda batch: vae_loss(batch[0], *model(batch[0])), optimizer), data, {"vae": model}, description=name, **budget)
    model.eval()
    torch.manual_seed(0)
    held_out = model.negative_elbo(val_images)
    metrics = {"val_negative_elbo_nats": held_out["loss"], "val_kl_nats": held_out["kl"]}
    if prior_components:
        metrics.update(fit_mixture_prior(model, images))
    return save_checkpoint(
        output,
        model.cpu(),
        config,
        data="MNIST subset, train split (4,500 images)",
        command=f"python -m ganlib train {name}",
        metrics=metrics,
    )


def fit_mixture_prior(model: VAE, images: torch.Tensor) -> dict[str, float]:
    """Fit ``model``'s mixture prior to the codes of ``images``; the confident share of 1,000 samples before and after."""
    from ganlib.metrics.confidence import classifier_confidence

    before = classifier_confidence(model.sample_standard_normal(1000, torch.Generator().manual_seed(0)))
    model.fit_prior(images)
    after = classifier_confidence(model.sample(1000, torch.Generator().manual_seed(0)))
    return {
        "confident_standard_normal_prior": before["confident"],
        "confident_mixture_prior": after["confident"],
        "class_entropy_mixture_prior": after["class_entropy"],
    }


RECIPES = (
    Recipe(
        "vae-mnist",
        "convolutional VAE, 16-D latent, sampling from a 10-Gaussian prior fitted after training",
        lambda output, minutes, device: train_vae("vae-mnist", 16, "conv", 100, output, minutes, device, prior_components=10),
    ),
    Recipe(
        "vae2d-mnist",
        "MLP VAE, 2-D latent (for the manifold figure)",
        lambda output, minutes, device: train_vae("vae2d-mnist", 2, "mlp", 40, output, minutes, device),
    ),
)
