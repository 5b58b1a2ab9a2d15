"""Wasserstein GANs: the gradient penalty against its definition, weight clipping, the point-mass closed forms,
the empirical 1-D W1, critic tracking, the figures, the exercise check and the pretrained wgan-gp-grid."""

import math

import matplotlib.pyplot as plt
import pytest
import torch

from ganlib.data.batches import BatchIterator
from ganlib.data.toy import GaussianMixture, grid
from ganlib.divergences import js_point_masses, kl_point_masses, w1_point_masses, wasserstein_1d
from ganlib.exercises import ExerciseError
from ganlib.exercises.wgan import check_gradient_penalty
from ganlib.gan import GAN, gradient_penalty
from ganlib.metrics.modes import mode_coverage
from ganlib.models.mlp_gan import MLPDiscriminator, MLPGenerator
from ganlib.train import train

# --- the gradient penalty -------------------------------------------------------------------------


def test_gradient_penalty_of_a_linear_critic_is_a_constant():
    w = torch.tensor([0.0, 2.0, 0.0])  # f(x) = w·x: ∇f = w at every point, so the penalty is (|w| − 1)² = 1
    assert gradient_penalty(lambda x: x @ w, torch.randn(32, 3), torch.randn(32, 3)).item() == pytest.approx(1.0)


def test_gradient_penalty_of_a_quadratic_critic_matches_a_manual_computation():
    """f(x) = ½ x·A x has ∇f(x̂) = A x̂; with the same ε drawn, the penalty is the mean of (|A x̂_i| − 1)²."""
    a = torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=torch.float64)
    real = torch.tensor([[1.0, 0.0], [0.0, 2.0], [-1.0, 1.0]], dtype=torch.float64)
    fake = torch.tensor([[0.0, 1.0], [3.0, 0.0], [0.5, 0.5]], dtype=torch.float64)
    torch.manual_seed(7)
    penalty = gradient_penalty(lambda x: 0.5 * ((x @ a) * x).sum(dim=1), real, fake).item()
    torch.manual_seed(7)
    eps = torch.rand(3, 1, dtype=torch.float64)  # the draw gradient_penalty makes: one ε per pair
    between = eps * real + (1 - eps) * fake
    expected = ((between @ a).norm(dim=1) - 1).pow(2).mean().item()
    assert penalty == pytest.approx(expected, rel=1e-12)


# --- weight clipping ------------------------------------------------------------------------------


def test_clipping_bounds_every_critic_weight_after_a_step():
    gan = GAN.build(MLPGenerator(latent_dim=2, data_dim=2, hidden=16, depth=2), MLPDiscriminator(data_dim=2, hidden=16, depth=2),
                    lr=0.5, optimizer="rmsprop", loss="wgan-clip", clip=0.02)  # a huge step, to be clipped
    assert isinstance(gan.d_optimizer, torch.optim.RMSprop)
    train(gan.step, BatchIterator(torch.randn(64, 2), batch_size=32), gan.models, steps=3, progress=False)
    weights = torch.cat([p.flatten() for p in gan.discriminator.parameters()])
    assert weights.abs().max().item() == pytest.approx(0.02)  # at the bound: clipping was needed
    assert any(p.abs().max().item() > 0.02 for p in gan.generator.parameters())  # the generator is not clipped


def test_wgan_options_are_checked():
    g, d = MLPGenerator(latent_dim=2, data_dim=2, hidden=8, depth=1), MLPDiscriminator(data_dim=2, hidden=8, depth=1)
    with pytest.raises(ValueError, match="clip must be a positive bound"):
        GAN.build(g, d, loss="wgan-clip", clip=0.0)
    with pytest.raises(ValueError, match="unknown GAN loss 'wgan'"):
        GAN.build(g, d, loss="wgan")
    with pytest.raises(ValueError, match="unknown optimizer 'sgd'; choose one of adam, rmsprop"):
        GAN.build(g, d, optimizer="sgd")
    assert GAN.build(g, d, loss="wgan-gp", clip=0.0).clip == 0.0  # clip unused


# --- closed forms ---------------------------------------------------------------------------------


def test_point_mass_divergences():
    theta = torch.tensor([-2.0, -0.1, 0.0, 0.5, 3.0])
    torch.testing.assert_close(js_point_masses(theta), torch.tensor([math.log(2)] * 2 + [0.0] + [math.log(2)] * 2, dtype=torch.float64))
    assert kl_point_masses(theta).tolist() == [math.inf, math.inf, 0.0, math.inf, math.inf]
    torch.testing.assert_close(w1_point_masses(theta), theta.abs().double())
    assert js_point_masses(1e-9).item() == pytest.approx(math.log(2))  # however close: still ln 2


def test_empirical_w1_matches_closed_forms():
    x = torch.randn(2000, generator=torch.Generator().manual_seed(0))
    assert wasserstein_1d(x, x + 1.5).item() == pytest.approx(1.5)  # a shift moves every point by 1.5
    assert wasserstein_1d(torch.zeros(3), torch.full((5,), -2.0)).item() == pytest.approx(2.0)  # δ0 vs δ−2
    # unequal sizes: {0, 1} vs {0, 0, 1, 1, 1}: ∫|F − G| = |1/2 − 2/5| over [0, 1) = 0.1
    assert wasserstein_1d(torch.tensor([0.0, 1.0]), torch.tensor([0.0, 0.0, 1.0, 1.0, 1.0])).item() == pytest.approx(0.1)
    y = torch.randn(2000, generator=torch.Generator().manual_seed(1))  # two samples of N(0, 1): close to 0
    assert wasserstein_1d(x, y).item() < 0.1
    a, b = torch.rand(50), torch.rand(50)
    assert wasserstein_1d(a, b).item() == pytest.approx((a.sort().values - b.sort().values).abs().mean().item(), rel=1e-6)


def test_empirical_w1_rejects_bad_samples():
    with pytest.raises(ValueError, match="1-D sample of shape"):
        wasserstein_1d(torch.zeros(3, 2), torch.zeros(3))
    with pytest.raises(ValueError, match="non-empty"):
        wasserstein_1d(torch.zeros(0), torch.zeros(3))
    with pytest.raises(ValueError, match="NaN or infinite"):
        wasserstein_1d(torch.tensor([0.0, math.nan]), torch.zeros(3))


# --- training -------------------------------------------------------------------------------------


def test_a_short_wgan_gp_run_pulls_the_samples_towards_distant_data():
    """The data, a Gaussian at (3, 3), are far from where the generator starts (near 0): the supports do not
    overlap, yet the critic's gradient reaches across. After 2,000 critic steps (400 generator steps, five
    critic steps each, as in the WGAN-GP paper) the samples' mean has covered over 30% of the way; it covered
    49% to 98% of it over eight seeds, natively and on a plain AVX2 CPU (a GAN this short is chaotic, so a
    sharper claim would not hold on every machine)."""
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    target = GaussianMixture([[3.0, 3.0]], 0.3)
    gan = GAN.build(MLPGenerator(latent_dim=2, data_dim=2, hidden=64, depth=2), MLPDiscriminator(data_dim=2, hidden=64, depth=2),
                    lr=5e-4, betas=(0.5, 0.9), loss="wgan-gp", d_steps=5)
    z = torch.randn(1000, 2, generator=gen)

    def distance_of_the_mean() -> float:
        with torch.no_grad():
            return (gan.generator.decode(z).mean(dim=0) - target.means[0]).norm().item()

    before = distance_of_the_mean()
    data = BatchIterator(target.sample(20_000, gen), batch_size=128, generator=gen)
    history = train(gan.step, data, gan.models, steps=2000, log_every=100, progress=False)
    assert before > 3.5 and distance_of_the_mean() < 0.7 * before
    assert len(history["g_loss"]) == len(history["step"]) and set(history) >= {"d_loss", "d_real", "d_fake"}


def test_critic_tracking_records_curves_and_checks_inputs():
    from ganlib.recipes.wgan import rank_correlation, track_training, tracking_correlation

    gan = GAN.build(MLPGenerator(latent_dim=8, data_dim=784, hidden=32, depth=1), MLPDiscriminator(data_dim=784, hidden=32, depth=1),
                    loss="wgan-gp", d_steps=2)
    images, held_out = torch.rand(64, 1, 28, 28) * 2 - 1, torch.rand(130, 1, 28, 28) * 2 - 1
    curves = track_training(gan, images, held_out, steps=4, every=2, batch_size=16)
    assert curves["step"] == [0, 2, 4] and len(curves["estimate"]) == len(curves["frechet"]) == 3
    assert all(math.isfinite(v) and f >= 0 for v, f in zip(curves["estimate"], curves["frechet"]))
    with pytest.raises(ValueError, match="at least 129"):
        track_training(gan, images, held_out[:100], steps=4, every=2)
    with pytest.raises(ValueError, match="every must be between 1 and steps"):
        track_training(gan, images, held_out, steps=4, every=5)
    assert rank_correlation([1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 25.0, 90.0]) == pytest.approx(1.0)
    assert rank_correlation([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="same length"):
        rank_correlation([1.0, 2.0], [1.0, 2.0, 3.0])
    warm_then_tracking = {"step": [0, 1, 2, 3, 4, 5], "estimate": [0.0, 9.0, 5.0, 4.0, 3.0, 2.0], "frechet": [9.0, 8.0, 7.0, 6.0, 5.0, 4.0]}
    assert tracking_correlation(warm_then_tracking, after=1) == pytest.approx(1.0)
    assert tracking_correlation(warm_then_tracking) < 0.9  # the warm-up's rising estimate spoils it


def test_figures_of_the_section():
    from ganlib.plotting.wgan import plot_critic_tracking, plot_point_masses

    assert len(plot_point_masses(torch.linspace(-2, 2, 41)).axes) == 2
    curves = {"step": [0, 1, 2], "estimate": [3.0, 2.0, 1.0], "frechet": [300.0, 100.0, 50.0]}
    fig = plot_critic_tracking({"WGAN-GP": curves}, {"WGAN-GP": "critic's W1 estimate"})
    assert "rank correlation +1.00" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="lacks"):
        plot_critic_tracking({"run": {"step": [0]}}, {"run": "x"})
    with pytest.raises(ValueError, match="1-D grid"):
        plot_point_masses(torch.zeros(1))
    plt.close("all")


# --- the exercise ---------------------------------------------------------------------------------


def test_the_reference_gradient_penalty_passes_the_check(capsys):
    check_gradient_penalty(gradient_penalty)
    assert "Correct" in capsys.readouterr().out


def _per_coordinate(critic, real, fake):
    eps = torch.rand(real.shape[0], *([1] * (real.ndim - 1)))
    between = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(between).sum(), between, create_graph=True)
    return (grad.abs() - 1).pow(2).mean()


def _one_eps_per_element(critic, real, fake):
    eps = torch.rand(real.shape)
    between = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(between).sum(), between, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


def _without_graph(critic, real, fake):
    eps = torch.rand(real.shape[0], *([1] * (real.ndim - 1)))
    between = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(between).sum(), between)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda critic, real, fake: torch.tensor(0.0), "gradient norm is 5 at every point"),
        (_per_coordinate, "penalise each coordinate"),
        (_one_eps_per_element, "one ε per sample"),
        (_without_graph, "create_graph=True"),
        (lambda critic, real, fake: 1 / 0, "failed with ZeroDivisionError"),
        (lambda critic, real, fake: [1.0], "return one number as a tensor"),
    ],
)
def test_wrong_gradient_penalties_get_hints(answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check_gradient_penalty(answer)


# --- the shipped checkpoint -----------------------------------------------------------------------


def test_pretrained_wgan_gp_grid_captures_every_mode():
    from ganlib.checkpoints import load_checkpoint, pretrained, pretrained_path

    path = pretrained_path("wgan-gp-grid")
    assert path.stat().st_size <= 5 * 2**20
    coverage = mode_coverage(pretrained("wgan-gp-grid").sample(2500, torch.Generator().manual_seed(0)), grid())
    assert coverage["modes"] == 25 and coverage["high_quality"] >= 0.9, coverage
    assert load_checkpoint(path)["meta"]["metrics"] == pytest.approx(coverage)


def test_pretrained_wgan_mnist_curves():
    """After the critic's warm-up, the WGAN-GP estimate falls with the Fréchet distance; the others' do not track it."""
    from ganlib.checkpoints import load_checkpoint, pretrained_path
    from ganlib.recipes.wgan import MNIST_RUNS, rank_correlation

    payload = load_checkpoint(pretrained_path("wgan-mnist"))
    assert pretrained_path("wgan-mnist").stat().st_size <= 5 * 2**20
    assert set(payload["curves"]) == set(payload["samples"]) == set(MNIST_RUNS)
    late = {}
    for name, curves in payload["curves"].items():
        kept = [i for i, step in enumerate(curves["step"]) if step >= 2000]
        late[name] = rank_correlation([curves["estimate"][i] for i in kept], [curves["frechet"][i] for i in kept])
        assert payload["samples"][name].shape == (40, 1, 28, 28)
    assert late["WGAN-GP"] > 0.9 and max(late["WGAN, weight clipping"], late["non-saturating GAN"]) < 0.7, late
