"""ganlib.fgan: the table of f-divergences against their definitions, the variational bound against closed forms,
and the f-GAN game against the GAN it generalises."""

import math
from functools import partial

import pytest
import torch

from ganlib.data.batches import BatchIterator
from ganlib.data.toy import gaussian_mixture_1d
from ganlib.divergences import js_divergence, kl_normal, wasserstein_1d
from ganlib.fgan import F_DIVERGENCES, FGAN, estimate_divergence, f_divergence, variational_bound
from ganlib.gan import GAN, discriminator_loss
from ganlib.models.mlp_gan import MLPDiscriminator, MLPGenerator
from ganlib.train import train

DOUBLE = torch.float64
# Points t inside each conjugate's domain (the activation's range).
DOMAIN = {"kl": (-3.0, 3.0), "reverse-kl": (-5.0, -0.05), "gan": (-5.0, -0.01), "pearson": (-1.9, 4.0)}


@pytest.mark.parametrize("name", list(F_DIVERGENCES))
def test_each_conjugate_is_the_supremum_of_its_tangent_gaps(name):
    divergence = F_DIVERGENCES[name]
    u = torch.logspace(-6, 6, 400_001, dtype=DOUBLE)  # f's domain, u > 0
    for t in torch.linspace(*DOMAIN[name], 9, dtype=DOUBLE):
        numeric = (u * t - divergence.f(u)).max()
        assert divergence.conjugate(t).item() == pytest.approx(numeric.item(), abs=1e-4)


@pytest.mark.parametrize("name", list(F_DIVERGENCES))
def test_each_best_critic_is_the_slope_of_f_and_f_of_one_sets_the_floor(name):
    divergence = F_DIVERGENCES[name]
    r = torch.tensor([0.1, 0.5, 1.0, 2.0, 7.0], dtype=DOUBLE)
    h = 1e-6
    slope = (divergence.f(r + h) - divergence.f(r - h)) / (2 * h)
    torch.testing.assert_close(divergence.optimal_critic(r), slope, atol=1e-6, rtol=1e-6)
    floor = -math.log(4) if name == "gan" else 0.0  # D_f(p ‖ p) = f(1): the GAN row is 2 JS − ln 4
    assert divergence.f(torch.tensor(1.0, dtype=DOUBLE)).item() == pytest.approx(floor, abs=1e-12)


@pytest.mark.parametrize("name", list(F_DIVERGENCES))
def test_each_activation_keeps_the_critic_inside_the_conjugates_domain(name):
    divergence = F_DIVERGENCES[name]
    values = divergence.conjugate(divergence.activation(torch.linspace(-20, 20, 1001, dtype=DOUBLE)))
    assert torch.isfinite(values).all()


def gaussian_divergences(mu_p, std_p, mu_q, std_q):
    """D_f(p ‖ q) = E_q[f(p/q)] by quadrature, for p = N(mu_p, std_p²) and q = N(mu_q, std_q²)."""
    x = torch.linspace(-30, 30, 600_001, dtype=DOUBLE)
    p = torch.distributions.Normal(mu_p, std_p).log_prob(x).exp()
    q = torch.distributions.Normal(mu_q, std_q).log_prob(x).exp()
    keep = q > 1e-300
    return {name: torch.trapezoid((q * d.f(p / q))[keep], x[keep]).item() for name, d in F_DIVERGENCES.items()}


def test_the_table_gives_the_divergences_it_names():
    values = gaussian_divergences(1.0, 1.0, 0.0, 1.5)
    assert values["kl"] == pytest.approx(kl_normal(1.0, 1.0, 0.0, 1.5).item(), abs=1e-6)
    assert values["reverse-kl"] == pytest.approx(kl_normal(0.0, 1.5, 1.0, 1.0).item(), abs=1e-6)
    normal = lambda m, s: lambda x: torch.distributions.Normal(m, s).log_prob(x).exp()  # noqa: E731
    js = js_divergence(normal(1.0, 1.0), normal(0.0, 1.5), torch.linspace(-30, 30, 600_001)).item()
    assert values["gan"] == pytest.approx(2 * js - math.log(4), abs=1e-6)
    # Pearson chi² between N(mu, 1) and N(0, 1) is exp(mu²) - 1.
    assert gaussian_divergences(1.0, 1.0, 0.0, 1.0)["pearson"] == pytest.approx(math.e - 1, abs=1e-6)


@pytest.mark.parametrize("name", list(F_DIVERGENCES))
def test_the_bound_is_tight_at_the_best_critic_and_lower_elsewhere(name):
    divergence, mu = F_DIVERGENCES[name], 0.5  # a small shift keeps Pearson's heavy-tailed T*² estimable
    exact = gaussian_divergences(mu, 1.0, 0.0, 1.0)[name]
    generator = torch.Generator().manual_seed(0)
    x_p, x_q = mu + torch.randn(400_000, generator=generator, dtype=DOUBLE), torch.randn(400_000, generator=generator, dtype=DOUBLE)
    log_ratio = lambda x: mu * x - mu**2 / 2  # noqa: E731
    # Raw scores V whose activation is T* = f'(r), found by inverting g numerically on a grid of V.
    v_grid = torch.linspace(-40, 40, 800_001, dtype=DOUBLE)
    g_grid = divergence.activation(v_grid)

    def best_scores(x):
        target = divergence.optimal_critic(torch.exp(log_ratio(x)))
        index = torch.searchsorted(g_grid, target).clamp(1, len(v_grid) - 1)
        return v_grid[index]

    best = variational_bound(divergence, best_scores(x_p), best_scores(x_q)).item()
    assert best == pytest.approx(exact, rel=0.03, abs=0.003)
    worse = variational_bound(divergence, best_scores(x_p) - 0.5 * x_p, best_scores(x_q) - 0.5 * x_q).item()
    assert worse < best - 0.01


def test_the_gan_row_is_the_gan_value_function():
    real, fake = torch.randn(64), torch.randn(64) + 1
    torch.testing.assert_close(variational_bound("gan", real, fake), -discriminator_loss(real, fake))


def test_an_unknown_divergence_names_the_rows():
    with pytest.raises(ValueError, match="kl, reverse-kl, gan, pearson"):
        f_divergence("hellinger")


def standard_normal(n, generator):
    return torch.randn(n, 1, generator=generator)


def shifted_normal(n, generator):
    return 1.0 + torch.randn(n, 1, generator=generator)


def test_a_trained_critic_estimates_the_divergence_without_touching_the_global_rng():
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    _, estimate = estimate_divergence(partial(variational_bound, "reverse-kl"), shifted_normal, standard_normal, steps=600)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert estimate == pytest.approx(0.5, rel=0.08)  # KL(N(0, 1) ‖ N(1, 1)) = 1/2


def one_round(game_class, **options):
    torch.manual_seed(0)
    G, D = MLPGenerator(latent_dim=1, data_dim=1, hidden=8, depth=1), MLPDiscriminator(data_dim=1, hidden=8, depth=1)
    game = game_class.build(G, D, lr=1e-2, **options)
    torch.manual_seed(1)
    game.step((torch.randn(32, 1) + 2,))
    return [p.detach().clone() for p in (*G.parameters(), *D.parameters())]


def test_the_f_gan_of_the_gan_row_plays_the_minimax_gan():
    f_gan = one_round(FGAN, bound=partial(variational_bound, "gan"))
    minimax = one_round(GAN, loss="minimax")
    for a, b in zip(f_gan, minimax):
        torch.testing.assert_close(a, b)


def test_fgan_build_asks_for_a_bound():
    G, D = MLPGenerator(latent_dim=1, data_dim=1), MLPDiscriminator(data_dim=1)
    with pytest.raises(TypeError, match="bound="):
        FGAN.build(G, D, lr=1e-3)


def test_a_reverse_kl_f_gan_learns_the_bimodal_mixture():
    mixture = gaussian_mixture_1d()
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    G, V = MLPGenerator(latent_dim=1, data_dim=1, hidden=32, depth=2), MLPDiscriminator(data_dim=1, hidden=32, depth=2)
    game = FGAN.build(G, V, bound=partial(variational_bound, "reverse-kl"), lr=5e-4)
    reference = mixture.sample(10_000, generator).reshape(-1)
    start = wasserstein_1d(G.sample(10_000, generator).reshape(-1), reference).item()
    train(game.step, BatchIterator(mixture.sample(50_000, generator), batch_size=256, generator=generator), game.models,
          steps=3000, progress=False)
    samples = G.sample(10_000, generator).reshape(-1)
    assert wasserstein_1d(samples, reference).item() < min(0.5, start / 2)
    assert 0.3 <= (samples < 0).float().mean().item() <= 0.5  # the data has 40% on its left mode


def test_the_critic_figure_draws_a_panel_per_divergence_and_refuses_a_bad_grid():
    import matplotlib.pyplot as plt

    from ganlib.plotting.fgan import plot_fitted_densities_1d, plot_learned_critics

    critic = MLPDiscriminator(data_dim=1, hidden=8, depth=1)
    critics = {name: (critic, F_DIVERGENCES[name]) for name in ("kl", "gan")}
    fig = plot_learned_critics(critics, lambda x: x - 0.5, torch.linspace(-3, 4, 50), title="critics")
    assert [ax.get_title() for ax in fig.axes] == ["kl", "gan"]
    assert all(len(ax.lines) == 2 for ax in fig.axes)  # the trained T and the best T*
    with pytest.raises(ValueError, match="1-D grid"):
        plot_learned_critics(critics, lambda x: x, torch.zeros(3, 2))
    fig2 = plot_fitted_densities_1d({"a": torch.randn(500), "b": torch.randn(500)}, lambda x: torch.exp(-x**2 / 2),
                                    torch.linspace(-4, 4, 100))
    assert [ax.get_title() for ax in fig2.axes] == ["a", "b"]
    plt.close("all")
