"""Recipes for the pretrained VAEs: ``vae-mnist`` (16-D latent) and ``vae2d-mnist`` (2-D latent)."""

from __future__ import annotations

from pathlib import Path

import torch

from ganlib.checkpoints import save_checkpoint
from ganlib.data import BatchIterator, load_mnist
from ganlib.device import seed_everything
from ganlib.models import VAE
from ganlib.recipes.recipe import Recipe
from ganlib.steps import vae_step
from ganlib.train import train


def train_vae(
    name: str, latent_dim: int, arch: str, epochs: int, output: Path, minutes: float | None, device: torch.device
) -> Path:
    """Train a VAE on the MNIST subset's train split and save it with its held-out ELBO."""
    generator = seed_everything(0)
    images, _ = load_mnist("train", source="subset", device=device)
    val_images, _ = load_mnist("val", source="subset", device=device)
    config = {"latent_dim": latent_dim, "arch": arch}
    model = VAE(**config).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = BatchIterator(images, batch_size=128, generator=generator)
    budget = {"minutes": minutes} if minutes is not None else {"epochs": epochs}
    train(vae_step(model, optimizer), data, {"vae": model}, {"vae": optimizer}, description=name, **budget)
    model.eval()
    torch.manual_seed(0)
    held_out = model.negative_elbo(val_images)
    metrics = {"val_negative_elbo_nats": held_out["loss"], "val_kl_nats": held_out["kl"]}
    return save_checkpoint(
        output,
        model.cpu(),
        config,
        data="MNIST subset, train split (4,500 images)",
        command=f"python -m ganlib train {name}",
        metrics=metrics,
    )


RECIPES = (
    Recipe(
        "vae-mnist",
        "convolutional VAE, 16-D latent",
        lambda output, minutes, device: train_vae("vae-mnist", 16, "conv", 100, output, minutes, device),
    ),
    Recipe(
        "vae2d-mnist",
        "MLP VAE, 2-D latent (for the manifold figure)",
        lambda output, minutes, device: train_vae("vae2d-mnist", 2, "mlp", 40, output, minutes, device),
    ),
)
