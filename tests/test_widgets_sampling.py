"""The panels of notebook 01 react to their sliders, and its figures show what they claim."""

import base64
import re

import matplotlib.pyplot as plt
import pytest
import torch

from ganlib.data.toy import gaussian_mixture_1d
from ganlib.plotting.sampling import plot_chain, plot_discrete, plot_inverse_transform, plot_rejection
from ganlib.sampling import random_generator, ring_transform, smallest_envelope_constant
from ganlib.widgets import sampling as ws

MIX = gaussian_mixture_1d()
PROPOSAL = torch.distributions.Normal(0.0, 2.0)


def density(x):
    return MIX.log_prob(x).exp()


def proposal_pdf(x):
    return PROPOSAL.log_prob(x).exp()


def proposal_sample(n, generator):
    return 2 * torch.randn(n, generator=generator, dtype=torch.float64)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def rejection():
    return ws.rejection_panel(density, proposal_sample, proposal_pdf, (-6, 6), M=3.0, n=3000)


def rate_in(text):
    return float(re.search(r"acceptance rate (\d\.\d+)", text).group(1))


def test_smallest_envelope_constant_is_the_maximum_ratio():
    best = smallest_envelope_constant(density, proposal_pdf, (-6, 6))
    assert best == pytest.approx(2.7275, abs=1e-3)
    grid = torch.linspace(-6, 6, 1001, dtype=torch.float64)
    assert bool((best * proposal_pdf(grid) >= density(grid).double() - 1e-9).all())


def test_rejection_panel_image_and_text_follow_the_slider(rejection):
    first_image, first_text = rejection.image.value, rejection.text.value
    assert first_text.startswith("M = 3.00:")
    rejection.controls["M"].value = 5.0
    assert rejection.image.value != first_image
    assert rejection.text.value.startswith("M = 5.00:")
    assert rejection.static_png == first_image  # the kernel-less preview keeps the first state


@pytest.mark.parametrize("M", [2.8, 4.0, 8.0])
def test_rejection_panel_acceptance_rate_tracks_one_over_M(rejection, M):
    rejection.controls["M"].value = M
    rate = rate_in(rejection.text.value)
    assert rate == pytest.approx(1 / M, abs=0.025)
    assert f"1/M = {1 / M:.3f}" in rejection.text.value
    assert "below" not in rejection.text.value


def test_rejection_panel_warns_when_M_is_too_small(rejection):
    rejection.controls["M"].value = 1.5
    text = rejection.text.value
    assert "below max p/q = 2.73" in text
    assert rate_in(text) < 1 / 1.5 - 0.05  # the lost mass shows: fewer kept than 1/M


def test_rejection_panel_bundle_carries_a_static_png_and_a_deterministic_line(rejection):
    bundle = rejection._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == rejection.static_png
    assert bundle["text/plain"] == "<rejection sampling: M; move the controls in a live notebook>"


def test_metropolis_panel_step_size_changes_image_and_acceptance():
    panel = ws.metropolis_panel(MIX.log_prob, density, x0=-2.0, step_size=1.0, n_steps=800, burn_in=100)
    rates, images = [], []
    for step in (0.05, 1.0, 20.0):
        panel.controls["step_size"].value = step
        assert panel.text.value.startswith(f"step size {step:.3g}:")
        rates.append(rate_in(panel.text.value))
        images.append(panel.image.value)
    assert rates[0] > 0.9 > rates[1] > 0.3 > rates[2]  # bigger steps are rejected more often
    assert len(set(images)) == 3


def test_metropolis_panel_is_repeatable():
    make = lambda: ws.metropolis_panel(MIX.log_prob, density, x0=0.0, n_steps=500, burn_in=50)  # noqa: E731
    assert make().text.value == make().text.value


def test_plot_rejection_counts_the_kept_points():
    g = torch.Generator().manual_seed(0)
    x, u = proposal_sample(1000, g), torch.rand(1000, generator=g, dtype=torch.float64)
    fig = plot_rejection(density, proposal_pdf, 3.0, x, u, (-6, 6))
    kept = int((u * 3.0 * proposal_pdf(x) < density(x)).sum())
    assert fig.axes[0].get_title() == f"M = 3.00: kept {kept:,} of 1,000 = {kept / 1000:.3f}  (1/M = 0.333)"
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)


def test_plot_chain_has_three_labelled_panels():
    chain = torch.randn(300, generator=torch.Generator().manual_seed(0))
    fig = plot_chain(chain, density, burn_in=50, title="t")
    assert [ax.get_title() for ax in fig.axes] == ["trace", "states after burn-in", "autocorrelation"]
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)


def test_plot_inverse_transform_and_discrete_draw():
    inverse = lambda u: -torch.log1p(-u)  # noqa: E731
    samples = inverse(torch.rand(500, generator=torch.Generator().manual_seed(0), dtype=torch.float64))
    fig = plot_inverse_transform(lambda x: 1 - torch.exp(-x), inverse, lambda x: torch.exp(-x), samples, (0, 5))
    assert fig.axes[0].get_ylabel().startswith("$F(x)")
    probs = torch.tensor([0.2, 0.5, 0.3])
    fig = plot_discrete(probs, torch.tensor([0, 1, 1, 2]))
    heights = [patch.get_height() for patch in fig.axes[1].patches]
    assert heights[3:] == pytest.approx([0.25, 0.5, 0.25])  # frequencies next to the probabilities


def test_ring_transform_puts_noise_on_the_unit_circle():
    z = torch.randn(5000, 2, generator=torch.Generator().manual_seed(0))
    radius = ring_transform(z).norm(dim=1)
    assert radius.mean() == pytest.approx(1.0, abs=0.01)
    assert radius.std() == pytest.approx(0.1, abs=0.01)


def test_random_generator_depends_on_its_seed_only():
    z = torch.randn(10, 2, generator=torch.Generator().manual_seed(1))
    torch.manual_seed(123)
    a = random_generator(0)(z)
    state = torch.get_rng_state()
    b = random_generator(0)(z)
    assert torch.equal(a, b) and not torch.equal(a, random_generator(1)(z))
    assert torch.equal(state, torch.get_rng_state())  # the global random stream is left alone
    assert a.shape == (10, 2)
