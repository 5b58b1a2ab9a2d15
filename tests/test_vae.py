import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Normal, kl_divergence

from ganlib.data.batches import BatchIterator
from ganlib.data.mnist import load_mnist
from ganlib.divergences import kl_normal
from ganlib.models.autoencoder import Autoencoder, reconstruction_loss
from ganlib.models.vae import VAE, gaussian_kl_to_standard, iwae_bound, log_importance_weights, vae_loss
from ganlib.train import loss_step, train


def test_closed_form_kl_matches_torch_and_kl_normal():
    mu, logvar = torch.randn(5, 3), torch.randn(5, 3)
    std = torch.exp(0.5 * logvar)
    expected = kl_divergence(Normal(mu, std), Normal(0.0, 1.0)).sum(dim=1)
    assert torch.allclose(gaussian_kl_to_standard(mu, logvar), expected, atol=1e-5)
    assert torch.allclose(gaussian_kl_to_standard(mu, logvar), kl_normal(mu, std, 0.0, 1.0).sum(dim=1), atol=1e-5)
    assert torch.equal(gaussian_kl_to_standard(torch.zeros(2, 4), torch.zeros(2, 4)), torch.zeros(2))


def test_vae_loss_terms_and_beta():
    x = torch.rand(4, 1, 28, 28)
    logits = torch.zeros(4, 1, 28, 28)  # every pixel predicted 0.5: reconstruction = 784 ln 2 per image
    mu, logvar = torch.ones(4, 2), torch.zeros(4, 2)  # KL = 0.5 * (1 + 1) = 1 per image
    losses = vae_loss(x, logits, mu, logvar, beta=4.0)
    assert losses["reconstruction"].item() == pytest.approx(784 * math.log(2), rel=1e-5)
    assert losses["kl"].item() == pytest.approx(1.0)
    assert losses["loss"].item() == pytest.approx(784 * math.log(2) + 4.0, rel=1e-5)
    with pytest.raises(ValueError, match="x_logits must match"):
        vae_loss(x, torch.zeros(4, 784), mu, logvar)


@pytest.mark.parametrize("arch", ["mlp", "conv"])
@pytest.mark.parametrize("latent_dim", [2, 16])
def test_shapes_and_ranges(arch, latent_dim):
    vae = VAE(latent_dim, arch)
    logits, mu, logvar = vae(torch.rand(3, 1, 28, 28))
    assert logits.shape == (3, 1, 28, 28) and mu.shape == logvar.shape == (3, latent_dim)
    images = vae.sample(5, generator=torch.Generator().manual_seed(0))
    assert images.shape == (5, 1, 28, 28) and 0 <= images.min() and images.max() <= 1
    assert Autoencoder(latent_dim, arch)(torch.rand(2, 784)).shape == (2, 1, 28, 28)  # flat images accepted


def test_bad_inputs_are_explained():
    vae = VAE(16)
    with pytest.raises(ValueError, match=r"shape \(n, 16\)"):
        vae.decode(torch.zeros(2, 8))
    with pytest.raises(ValueError, match="28x28 one-channel images"):
        vae(torch.zeros(2, 3, 32, 32))
    with pytest.raises(ValueError, match="unknown architecture"):
        VAE(16, "transformer")


def test_vae_training_lowers_the_negative_elbo():
    torch.manual_seed(0)
    images, _ = load_mnist("train", source="subset")
    val, _ = load_mnist("val", source="subset")
    vae = VAE(8, "mlp")
    before = vae.negative_elbo(val)["loss"]
    optimizer = torch.optim.Adam(vae.parameters(), lr=1e-3)
    step = loss_step(lambda batch: vae_loss(batch[0], *vae(batch[0])), optimizer)
    history = train(step, BatchIterator(images[:2000], batch_size=100), {"vae": vae}, steps=60, progress=False)
    after = vae.negative_elbo(val)
    assert set(history) >= {"loss", "reconstruction", "kl"}
    assert after["loss"] < 0.6 * before
    assert after["kl"] > 0.5  # the code is in use, not collapsed to the prior


def test_autoencoder_training_lowers_the_reconstruction_loss():
    torch.manual_seed(0)
    images, _ = load_mnist("val", source="subset")
    model = Autoencoder(8, "mlp")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    step = loss_step(lambda batch: reconstruction_loss(batch[0], model(batch[0])), optimizer)
    history = train(step, BatchIterator(images, batch_size=100), {"ae": model}, steps=30, log_every=10, progress=False)
    assert history["loss"][-1] < 0.7 * history["loss"][0]


def test_mixture_prior_em_recovers_a_known_mixture():
    from ganlib.models.mixture_prior import GaussianMixturePrior

    g = torch.Generator().manual_seed(0)
    means = torch.tensor([[-4.0, 0.0], [4.0, 1.0]])
    chosen = (torch.rand(3000, generator=g) >= 0.3).long()  # 30% from the first component
    codes = means[chosen] + torch.randn(3000, 2, generator=g) * torch.tensor([0.5, 1.0])
    prior = GaussianMixturePrior(2, 2)
    history = prior.fit(codes, iterations=50)
    assert all(later >= earlier - 1e-9 for earlier, later in zip(history, history[1:]))  # EM never goes down
    first = prior.means[:, 0].argmin()
    assert torch.allclose(prior.means[first], means[0], atol=0.1) and abs(prior.weights[first].item() - 0.3) < 0.03
    covariance = prior.scale_tril[first] @ prior.scale_tril[first].T
    assert torch.allclose(covariance.diagonal(), torch.tensor([0.25, 1.0]), rtol=0.15)
    drawn = prior.sample(20_000, torch.Generator().manual_seed(1))
    assert abs((drawn[:, 0] < 0).float().mean().item() - 0.3) < 0.02
    assert prior.log_prob(means).shape == (2,)
    with pytest.raises(ValueError, match="too few"):
        GaussianMixturePrior(10, 16).fit(torch.randn(50, 16))
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        prior.fit(torch.randn(100, 3))


def test_vae_without_a_mixture_prior_says_how_to_get_one():
    with pytest.raises(ValueError, match="prior_components"):
        VAE(latent_dim=2, arch="mlp").fit_prior(torch.rand(10, 1, 28, 28))


def test_pretrained_vae_meets_its_quality_targets():
    from ganlib.checkpoints import pretrained, pretrained_path
    from ganlib.metrics.confidence import classifier_confidence
    from ganlib.metrics.copies import memorisation

    assert pretrained_path("vae-mnist").stat().st_size <= 5 * 2**20
    model = pretrained("vae-mnist")
    samples = model.sample(1000, torch.Generator().manual_seed(0))
    scores = classifier_confidence(samples)
    assert scores["confident"] >= 0.70 and scores["class_entropy"] >= 2.2
    train_images, _ = load_mnist("train", source="subset")
    assert memorisation(samples, train_images) <= 0.03  # held-out real digits score about 0.01 by construction
    plain = classifier_confidence(model.sample_standard_normal(1000, torch.Generator().manual_seed(0)))
    assert plain["confident"] < scores["confident"]  # the fitted prior is what lifts the quality


def linear_vae(seed: int = 0) -> VAE:
    """A VAE with 2-D codes whose encoder and decoder are single linear maps: cheap in float64, same estimators."""
    torch.manual_seed(seed)
    vae = VAE(latent_dim=2, arch="mlp")
    vae.encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, 4))
    vae.decoder = nn.Sequential(nn.Linear(2, 784), nn.Unflatten(1, (1, 28, 28)))
    return vae.double()


def test_log_importance_weights_and_the_iwae_bound():
    vae = linear_vae()
    x = torch.rand(4, 1, 28, 28, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    torch.manual_seed(5)
    untouched = torch.rand(3)
    torch.manual_seed(5)
    log_weights = log_importance_weights(vae, x, 1000, torch.Generator().manual_seed(2), batch_size=300)
    assert torch.equal(torch.rand(3), untouched)  # the caller's random numbers are left alone
    assert log_weights.shape == (4, 1000)

    # log w = log p(x | z) + log p(z) − log q(z | x), written with torch.distributions, for the same draws
    with torch.no_grad():
        mu, logvar = vae.encode(x)
        eps = torch.randn(4, 1000, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
        z = mu[:, None] + torch.exp(0.5 * logvar)[:, None] * eps
        pixels = torch.distributions.Bernoulli(logits=vae.decoder(z.flatten(0, 1)), validate_args=False)  # grey x
        log_likelihood = pixels.log_prob(x.repeat_interleave(1000, dim=0)).flatten(1).sum(dim=1).view(4, 1000)
    q = Normal(mu[:, None], torch.exp(0.5 * logvar)[:, None])
    log_ratio = Normal(0.0, 1.0).log_prob(z).sum(dim=2) - q.log_prob(z).sum(dim=2)
    assert torch.allclose(log_weights, log_likelihood + log_ratio, rtol=0, atol=1e-8)

    bounds = torch.stack([iwae_bound(log_weights, k) for k in (1, 2, 8, 40, 200, 1000)])
    assert (bounds.diff(dim=0) >= -1e-12).all()  # nested groups: L_K grows with K for every image
    assert float(bounds[-1].mean() - bounds[0].mean()) > 0.5  # and by a visible margin for this posterior
    with pytest.raises(ValueError, match="positive divisor of the 1000"):
        iwae_bound(log_weights, 3)

    # L_1 is the ELBO: VAE.forward draws the same codes from the same seed, and vae_loss (closed-form KL) agrees
    # with the average log weight (Monte Carlo KL) up to the sampling error of the KL alone
    torch.manual_seed(2)
    copies = x.repeat_interleave(1000, dim=0)
    with torch.no_grad():
        elbo = -vae_loss(copies, *vae(copies))["loss"]
    error = float(log_ratio.std()) / log_ratio.numel() ** 0.5
    assert float(bounds[0].mean()) == pytest.approx(float(elbo), abs=5 * error)


def constant_decoder_vae(encoder_bias: list[float]) -> tuple[VAE, torch.Tensor]:
    """A VAE whose decoder ignores z (so p(x | z) = p(x)) and whose encoder outputs the same (μ, log σ²) for any x;
    returns it with the decoder's logits."""
    vae = linear_vae()
    with torch.no_grad():
        vae.encoder[1].weight.zero_()
        vae.encoder[1].bias.copy_(torch.tensor(encoder_bias, dtype=torch.float64))
        vae.decoder[0].weight.zero_()
    return vae, vae.decoder[0].bias.detach().view(1, 1, 28, 28)


def test_iwae_bound_is_exact_when_q_is_the_posterior_and_closes_the_gap_otherwise():
    x = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    generator = torch.Generator().manual_seed(0)

    # a decoder that ignores z has the prior as its posterior: with q = N(0, I) every weight is p(x) itself
    vae, logits = constant_decoder_vae([0.0, 0.0, 0.0, 0.0])
    log_px = -F.binary_cross_entropy_with_logits(logits.expand_as(x), x, reduction="none").flatten(1).sum(dim=1)
    log_weights = log_importance_weights(vae, x, 10, generator)
    assert torch.allclose(log_weights, log_px[:, None].expand(3, 10), rtol=0, atol=1e-9)
    assert torch.allclose(iwae_bound(log_weights, 1), iwae_bound(log_weights, 10), rtol=0, atol=1e-9)

    # with q = N((0.5, -0.5), 2 I) instead: L_1 = log p(x) − KL(q ‖ p), and L_K climbs to log p(x)
    vae, _ = constant_decoder_vae([0.5, -0.5, math.log(2.0), math.log(2.0)])
    log_weights = log_importance_weights(vae, x, 5000, generator)
    kl = float(gaussian_kl_to_standard(torch.tensor([[0.5, -0.5]]), torch.full((1, 2), math.log(2.0))))
    error = float(log_weights.std()) / log_weights.numel() ** 0.5
    gaps = {k: (log_px - iwae_bound(log_weights, k)).mean().item() for k in (1, 10, 100, 5000)}
    assert gaps[1] == pytest.approx(kl, abs=5 * error)
    assert gaps[1] > gaps[10] > gaps[100] > gaps[5000] > -0.01 and gaps[5000] < 0.01  # gap ≈ Var(w/p) / 2K
