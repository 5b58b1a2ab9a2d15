"""Random Fourier features: the map they compute, and that they are fixed, saved and seeded."""

from __future__ import annotations

import math

import torch

from ganlib.device import own_rng
from ganlib.models.fourier import FourierFeatures


def test_the_features_are_sines_and_cosines_of_the_projected_point():
    features = FourierFeatures(data_dim=2, frequencies=3, scale=2.0)
    with torch.no_grad():
        features.frequencies.copy_(torch.tensor([[1.0, 0.0], [0.0, 0.5], [1.0, 1.0]]))
    x = torch.tensor([[0.25, 0.5], [0.0, 0.0]])
    out = features(x)
    phase = 2 * math.pi * torch.tensor([[0.25, 0.25, 0.75], [0.0, 0.0, 0.0]])
    assert out.shape == (2, 6)
    assert torch.allclose(out, torch.cat([phase.sin(), phase.cos()], dim=1), atol=1e-6)


def test_the_frequencies_are_fixed_saved_and_drawn_at_the_stated_scale():
    with own_rng(0):
        features = FourierFeatures(data_dim=2, frequencies=4096, scale=2.0)
    assert list(features.parameters()) == []  # nothing for an optimiser to train
    assert torch.equal(features.state_dict()["frequencies"], features.frequencies)  # kept in checkpoints
    assert abs(features.frequencies.std().item() - 2.0) < 0.05  # 8,192 draws of N(0, 2²)
    with own_rng(0):
        again = FourierFeatures(data_dim=2, frequencies=4096, scale=2.0)
    assert torch.equal(again.frequencies, features.frequencies)


def test_a_network_on_the_features_fits_a_bump_a_tenth_wide_that_one_on_the_coordinates_blurs():
    """Spectral bias: the same MLP and budget, on raw 1-D coordinates or on Fourier features of them."""
    x = torch.linspace(-2, 2, 401)[:, None]
    target = torch.exp(-0.5 * (x / 0.05) ** 2)  # one sharp bump at 0

    def fitted_error(first: torch.nn.Module, width: int) -> float:
        with own_rng(0):
            net = torch.nn.Sequential(first, torch.nn.Linear(width, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
        for _ in range(300):
            loss = ((net(x) - target) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            return (net(x) - target).abs().max().item()

    with own_rng(1):
        features = FourierFeatures(data_dim=1, frequencies=64, scale=4.0)
    raw, fourier = fitted_error(torch.nn.Identity(), 1), fitted_error(features, 128)
    assert fourier < 0.1 and raw > 0.3, (fourier, raw)  # seeds 0-5: fourier 0.001-0.004, raw 0.52-0.76
