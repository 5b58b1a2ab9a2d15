"""DCGAN: shapes, initialisation, the failure-lab switches, the recipe's checkpoint, and clear errors."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from ganlib.checkpoints import CheckpointError, load_runs, pretrained, pretrained_path, save_runs
from ganlib.data.mnist import load_mnist
from ganlib.dcgan import FAILURES, KEPT_SAMPLES, DCGANSettings, run_lab, summarise_lab, train_dcgan
from ganlib.models.dcgan import DCGANDiscriminator, DCGANGenerator
from ganlib.recipes import recipe
from ganlib.recipes.dcgan import PRETRAINED

ROOT = Path(__file__).resolve().parent.parent


def _modules(model: nn.Module, kind: type[nn.Module]) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, kind)]


@pytest.mark.parametrize("width", [4, 16, 32])
@pytest.mark.parametrize("latent_dim", [2, 64])
def test_shapes_and_ranges_across_widths(width, latent_dim):
    generator, discriminator = DCGANGenerator(latent_dim, width), DCGANDiscriminator(width)
    z = torch.randn(5, latent_dim)
    images = generator(z)
    assert images.shape == (5, 1, 28, 28)
    assert -1 <= images.min() and images.max() <= 1  # tanh
    assert torch.allclose(generator.decode(z), (images + 1) / 2)
    assert discriminator(images).shape == (5,)
    sampled = generator.sample(3, generator=torch.Generator().manual_seed(0))
    assert sampled.shape == (3, 1, 28, 28) and 0 <= sampled.min() and sampled.max() <= 1


def test_width_sets_the_channels():
    generator, discriminator = DCGANGenerator(64, width=8), DCGANDiscriminator(width=8)
    assert [m.out_channels for m in _modules(generator, nn.ConvTranspose2d)] == [64, 32, 16, 1]
    assert [m.out_channels for m in _modules(discriminator, nn.Conv2d)] == [8, 16, 32, 1]


def test_weights_start_from_the_dcgan_initialisation():
    torch.manual_seed(0)
    for model in (DCGANGenerator(64, width=32), DCGANDiscriminator(width=32)):
        convs = _modules(model, nn.Conv2d) + _modules(model, nn.ConvTranspose2d)
        weights = torch.cat([m.weight.flatten() for m in convs])
        assert weights.numel() > 30_000
        assert abs(weights.mean().item()) < 5e-4
        assert weights.std().item() == pytest.approx(0.02, rel=0.03)
        assert all(m.bias is None or torch.count_nonzero(m.bias) == 0 for m in convs)
        scales = torch.cat([m.weight for m in _modules(model, nn.BatchNorm2d)])
        assert scales.mean().item() == pytest.approx(1.0, abs=0.01) and scales.std().item() == pytest.approx(0.02, rel=0.3)
    # PyTorch's default (Kaiming-uniform) would be far wider than N(0, 0.02) for these fan-ins
    assert nn.Conv2d(1, 32, 4).weight.std().item() > 0.1


def test_failure_switches_change_the_architecture():
    reference, relu = DCGANDiscriminator(16), DCGANDiscriminator(16, d_activation="relu")
    assert len(_modules(reference, nn.LeakyReLU)) == 3 and not _modules(reference, nn.ReLU)
    assert len(_modules(relu, nn.ReLU)) == 3 and not _modules(relu, nn.LeakyReLU)
    assert _modules(reference, nn.LeakyReLU)[0].negative_slope == 0.2

    for model in (DCGANGenerator(64, 16, batchnorm=False), DCGANDiscriminator(16, batchnorm=False)):
        assert not _modules(model, nn.BatchNorm2d)
        assert all(m.bias is not None for m in _modules(model, nn.Conv2d) + _modules(model, nn.ConvTranspose2d))
    assert len(_modules(DCGANGenerator(64, 16), nn.BatchNorm2d)) == 3  # hidden layers only, not the output
    assert len(_modules(DCGANDiscriminator(16), nn.BatchNorm2d)) == 2  # not on the input layer


def test_failure_lab_settings_reach_the_networks_and_the_optimisers():
    images, _ = load_mnist("train", source="subset", scale="symmetric")
    base = DCGANSettings(width=4, batch_size=16)
    runs = run_lab(images[:64], base, steps=2, progress=False)
    assert list(runs) == list(FAILURES)
    assert _modules(runs["ReLU in D"].discriminator, nn.ReLU) and not _modules(runs["ReLU in D"].discriminator, nn.LeakyReLU)
    assert runs["Adam β1 = 0.9"].gan.g_optimizer.param_groups[0]["betas"] == (0.9, 0.999)
    assert runs["ReLU in D"].gan.d_optimizer.param_groups[0]["betas"] == (0.5, 0.999)
    assert not _modules(runs["no batch norm"].generator, nn.BatchNorm2d)
    reference = run_lab(images[:64], base, steps=1, names=["reference"], progress=False)["reference"]
    assert reference.settings == base and _modules(reference.discriminator, nn.LeakyReLU)
    with pytest.raises(ValueError, match="unknown failures"):
        run_lab(images[:64], base, steps=1, names=["no dropout"], progress=False)


def test_a_lab_summary_round_trips_through_a_run_file(tmp_path, monkeypatch):
    """What the notebook shows of the lab (histories, confidence per snapshot, final samples) is saved without
    networks and loaded back by name; a missing or corrupt run file says how to get it back."""
    images, _ = load_mnist("train", source="subset", scale="symmetric")
    runs = run_lab(images[:128], DCGANSettings(width=4, batch_size=32), steps=4, names=["reference", "no batch norm"],
                   snapshot_codes=torch.randn(40, 64), snapshot_every=2, progress=False)
    summary = summarise_lab(runs)
    monkeypatch.setenv("GANLIB_DATA", str(tmp_path))
    save_runs(tmp_path / "runs" / "lab.pt", summary, data="four steps", command="a test")
    loaded = load_runs("lab")
    assert loaded["meta"]["data"] == "four steps" and set(loaded["runs"]) == {"reference", "no batch norm"}
    reference = loaded["runs"]["reference"]
    assert reference["history"]["snapshot_step"] == [0, 2, 4] and len(reference["confidence"]) == 3
    assert reference["samples"].shape == (KEPT_SAMPLES, 1, 28, 28)
    assert torch.equal(reference["samples"], runs["reference"].history["snapshots"][-1][:KEPT_SAMPLES])
    with pytest.raises(CheckpointError, match="no shipped runs called 'nope'.*python -m ganlib train nope"):
        load_runs("nope")
    (tmp_path / "runs" / "broken.pt").write_bytes(b"not a file torch wrote")
    with pytest.raises(CheckpointError, match="not a readable run file"):
        load_runs("broken")


def test_training_moves_both_players_and_logs_the_game():
    images, _ = load_mnist("train", source="subset", scale="symmetric")
    codes = torch.randn(8, 64)
    run = train_dcgan(DCGANSettings(width=4, batch_size=32), images[:256], steps=20, snapshot_codes=codes, snapshot_every=10, progress=False)
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(run.history)
    assert run.history["snapshot_step"] == [0, 10, 20]
    assert all(s.shape == (8, 1, 28, 28) for s in run.history["snapshots"])
    assert not torch.equal(run.history["snapshots"][0], run.history["snapshots"][-1])
    assert not run.generator.training  # handed back in eval mode
    # the same seed gives the same run
    again = train_dcgan(DCGANSettings(width=4, batch_size=32), images[:256], steps=20, snapshot_codes=codes, snapshot_every=10, progress=False)
    assert torch.equal(run.history["snapshots"][-1], again.history["snapshots"][-1])


def test_training_leaves_the_callers_random_numbers_alone():
    """train_dcgan draws from its own seeded stream: the caller's global RNG is where it was, and the run is
    the same whatever state the caller's RNG was in."""
    images, _ = load_mnist("val", source="subset", scale="symmetric")
    weights = []
    for caller_seed in (1, 2):
        torch.manual_seed(caller_seed)
        state = torch.get_rng_state()
        run = train_dcgan(DCGANSettings(width=4, latent_dim=8, batch_size=16), images[:32], steps=2, seed=3, progress=False)
        assert torch.equal(torch.get_rng_state(), state)
        assert run.gan.rounds == 2
        weights.append(torch.cat([p.detach().flatten() for p in run.generator.parameters()]))
    assert torch.equal(weights[0], weights[1])


def test_recipe_checkpoint_round_trips_through_pretrained(tmp_path, monkeypatch):
    (tmp_path / "mnist-5k.npz").symlink_to(ROOT / "data" / "mnist-5k.npz")
    (tmp_path / "checkpoints").mkdir()
    classifier = "mnist-classifier.pt"  # the recipe scores its generator with the evaluation classifier
    (tmp_path / "checkpoints" / classifier).symlink_to(ROOT / "data" / "checkpoints" / classifier)
    monkeypatch.setenv("GANLIB_DATA", str(tmp_path))
    path = recipe("dcgan-mnist").train(pretrained_path("dcgan-mnist"), 0.0001, torch.device("cpu"))  # one step
    assert path == tmp_path / "checkpoints" / "dcgan-mnist.pt"
    model = pretrained("dcgan-mnist")
    assert isinstance(model, DCGANGenerator) and not model.training
    assert model.latent_dim == PRETRAINED.latent_dim
    saved = torch.load(path, weights_only=True)
    assert saved["config"] == PRETRAINED.generator_config()
    assert saved["meta"]["command"] == "python -m ganlib train dcgan-mnist"
    assert {"confident", "frechet_ratio", "memorisation"} <= saved["meta"]["metrics"].keys()
    assert all(torch.equal(saved["state_dict"][k], v) for k, v in model.state_dict().items())


def test_bad_input_is_explained():
    generator, discriminator = DCGANGenerator(64, 8), DCGANDiscriminator(8)
    with pytest.raises(ValueError, match=r"shape \(n, 64\)"):
        generator(torch.randn(4, 16))
    with pytest.raises(ValueError, match="28x28 one-channel images"):
        discriminator(torch.randn(4, 3, 28, 28))
    with pytest.raises(ValueError, match="28x28 one-channel images"):
        discriminator(torch.randn(4, 1, 32, 32))
    with pytest.raises(ValueError, match="d_activation must be 'leaky' or 'relu'"):
        DCGANDiscriminator(8, d_activation="tanh")
    with pytest.raises(ValueError, match="unknown DCGAN settings"):
        DCGANSettings().changed(momentum=0.9)
    unit, _ = load_mnist("val", source="subset")  # pixels in [0, 1]
    with pytest.raises(ValueError, match="scale='symmetric'"):
        train_dcgan(DCGANSettings(width=4), unit, steps=1, progress=False)
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        train_dcgan(DCGANSettings(width=4), unit.reshape(-1, 784), steps=1, progress=False)


def test_pretrained_checkpoint_is_small_and_samples_from_the_command_line(tmp_path):
    assert pretrained_path("dcgan-mnist").stat().st_size <= 5 * 2**20
    out = tmp_path / "x.npy"
    result = subprocess.run(
        [sys.executable, "-m", "ganlib", "sample", "dcgan-mnist", "-n", "16", "-o", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    array = np.load(out)
    assert array.shape == (16, 28, 28) and array.dtype == np.float32
    assert 0.0 <= array.min() and array.max() <= 1.0
    assert array.std() > 0.1  # digits, not a blank page


@pytest.fixture(scope="module")
def dcgan_scores():
    from ganlib.metrics.evaluation import evaluate

    return evaluate(pretrained("dcgan-mnist"), n=1000)


def test_pretrained_dcgan_covers_every_digit_without_copying(dcgan_scores):
    shares = [dcgan_scores[f"digit_{k}"] for k in range(10)]
    assert 0.06 <= min(shares) and max(shares) <= 0.14, shares
    assert dcgan_scores["frechet_ratio"] <= 6.0
    assert dcgan_scores["memorisation"] <= 0.01
    assert dcgan_scores["confident"] >= 0.86  # the shipped checkpoint reaches 0.88; guards against regressions


@pytest.mark.xfail(strict=True, reason="issue 6 target not reached: dcgan-mnist has 88% confident samples, 92% asked")
def test_pretrained_dcgan_reaches_the_confidence_target(dcgan_scores):
    assert dcgan_scores["confident"] >= 0.92


# ---------------------------------------------------------------- notebook 06's helpers

def _bar(shear: float) -> torch.Tensor:
    """A 1-pixel-wide vertical stroke through the centre, sheared by ``shear`` pixels per pixel of height."""
    image = torch.zeros(1, 1, 28, 28)
    for row in range(4, 24):
        image[0, 0, row, round(14 + shear * (14 - row))] = 1.0  # row 4 is high up: shifted right when shear > 0
    return image


def test_slant_and_ink_measure_the_strokes():
    from ganlib.dcgan import ink, slant

    bars = torch.cat([_bar(0.0), _bar(0.4), _bar(-0.4)])
    measured = slant(bars)
    assert measured[0].item() == pytest.approx(0.0, abs=1e-6)
    assert measured[1].item() == pytest.approx(0.4, abs=0.03) and measured[2].item() == pytest.approx(-0.4, abs=0.03)
    thick = _bar(0.0) + _bar(0.0).roll(1, dims=-1)
    assert ink(thick).item() == pytest.approx(2 * ink(_bar(0.0)).item()) == pytest.approx(40 / 784)


def test_style_direction_finds_the_code_axis_that_drives_the_score():
    from ganlib.dcgan import along, style_direction

    codes = torch.randn(4000, 8, generator=torch.Generator().manual_seed(0))
    labels = (codes[:, 1] > 0).long()  # the "digit" depends on another axis
    scores = codes[:, 0] + 3.0 * labels  # class 1 is "bolder" whatever its style
    plain = style_direction(codes, scores)
    within = style_direction(codes, scores, labels=labels)
    assert within[0] > 2.0 and within[1:].abs().max() < 0.2  # only the style axis
    assert plain[1] > 1.0  # without labels the direction also changes the class
    walked = along(codes[:2], within, [-1.0, 0.0, 1.0])
    assert walked.shape == (6, 8)
    assert torch.allclose(walked[1], codes[0]) and torch.allclose(walked[5] - walked[4], within)
    with pytest.raises(ValueError, match="share must be in"):
        style_direction(codes, scores, share=0.7)
    with pytest.raises(ValueError, match="one score per code"):
        style_direction(codes, scores[:10])


def test_slerp_keeps_the_norm_of_equal_length_codes():
    from ganlib.dcgan import slerp

    z0, z1 = torch.tensor([3.0, 0.0]), torch.tensor([0.0, 3.0])
    assert torch.allclose(slerp(z0, z1, 0.0), z0) and torch.allclose(slerp(z0, z1, 1.0), z1)
    assert torch.allclose(slerp(z0, z1, 0.5), torch.tensor([3.0, 3.0]) / 2**0.5)
    assert torch.allclose(slerp(z0, 2 * z0, 0.5), 1.5 * z0)  # parallel codes: the straight line


def test_training_animation_is_an_animated_png_with_a_stable_text(tmp_path):
    from PIL import Image

    from ganlib.plotting.dcgan import plot_snapshots, training_animation

    history = {"snapshot_step": [0, 50, 100], "snapshots": [torch.rand(40, 1, 28, 28) * k / 2 for k in range(3)]}
    animation = training_animation(history, count=9, nrow=3)
    bundle = animation._repr_mimebundle_()
    assert bundle["text/plain"] == "<animation: 3 frames, steps 0 to 100>"
    animation.save(str(tmp_path / "film.png"))
    with Image.open(tmp_path / "film.png") as film:
        assert film.is_animated and film.n_frames == 3
        assert film.size == (2 * (3 * 30 + 2), 2 * (3 * 30 + 2) + 20)  # 3×3 tiles of 28 + padding, zoom 2, caption
    fig = plot_snapshots(history, [0, 100])
    assert [ax.get_title() for ax in fig.axes] == ["step 0", "step 100"]
    with pytest.raises(ValueError, match="no snapshot at steps \\[75\\]"):
        plot_snapshots(history, [75])
    with pytest.raises(ValueError, match="no snapshots"):
        training_animation({"step": [1]})


def test_gan_history_figure_and_its_checks():
    from ganlib.plotting.dcgan import plot_runs
    from ganlib.plotting.gan import plot_gan_history

    history = {"step": [10, 20], "d_loss": [1.0, 1.2], "g_loss": [2.0, 1.0], "d_real": [0.8, 0.6], "d_fake": [0.2, 0.4]}
    fig = plot_gan_history(history)
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss (nats)", "mean discriminator output"]
    with pytest.raises(ValueError, match="lacks \\['g_loss'\\]"):
        plot_gan_history({k: v for k, v in history.items() if k != "g_loss"})
    runs = {"a": {**history, "snapshot_step": [0, 20]}, "b": {**history, "snapshot_step": [0, 20]}}
    fig = plot_runs(runs, {"a": [0.1, 0.5], "b": [0.1, 0.2]}, {"a": torch.rand(6, 1, 28, 28), "b": torch.rand(6, 1, 28, 28)})
    assert fig.axes[0].get_title() == "a" and fig.axes[1].get_title() == "b"
    with pytest.raises(ValueError, match="same names"):
        plot_runs(runs, {"a": [0.1, 0.5]}, {"a": torch.rand(6, 1, 28, 28)})


def test_trace_layers_follows_shapes_and_scales():
    from ganlib.models.dcgan import trace_layers

    torch.manual_seed(0)
    traces = trace_layers(DCGANGenerator(64, 16), torch.randn(64, 64))
    assert [t.shape for t in traces if t.layer == "ConvTranspose2d"] == [(128, 4, 4), (64, 7, 7), (32, 14, 14), (1, 28, 28)]
    assert all(t.std == pytest.approx(1.0, abs=0.05) for t in traces if t.layer == "BatchNorm2d")
    flat = trace_layers(DCGANGenerator(64, 16, batchnorm=False), torch.randn(64, 64))
    assert flat[-1].std < 0.05  # N(0, 0.02) weights without batch norm: an almost constant image
    assert trace_layers(DCGANDiscriminator(16), torch.rand(4, 1, 28, 28))[-1].shape == (1, 1, 1)


def test_failure_lab_panel_toggles_the_compared_run_in_place():
    from ganlib.widgets.dcgan import failure_lab_panel

    steps = [0, 10, 20]
    histories = {
        name: {"step": steps, "snapshot_step": steps, "d_real": [0.5, 0.7, r], "d_fake": [0.5, 0.3, 1 - r]}
        for name, r in (("reference", 0.6), ("ReLU in D", 0.8), ("no batch norm", 0.95))
    }
    quality = {"reference": [0.0, 0.4, 0.7], "ReLU in D": [0.0, 0.3, 0.5], "no batch norm": [0.0, 0.1, 0.2]}
    samples = {name: torch.rand(6, 1, 28, 28, generator=torch.Generator().manual_seed(i)) for i, name in enumerate(histories)}
    panel = failure_lab_panel(histories, quality, samples)
    first, text = bytes(panel.image.value), panel.text.value
    assert "50% confident at the end, against 70%" in text
    panel.controls["broken_run"].value = "no batch norm"
    assert bytes(panel.image.value) != first and "20% confident" in panel.text.value
    assert panel.static_png not in (first, bytes(panel.image.value))  # the static view shows every run
    with pytest.raises(ValueError, match="reference run"):
        failure_lab_panel({k: v for k, v in histories.items() if k != "reference"}, quality, samples)


def test_the_shipped_failure_lab_shows_what_notebook_06_says():
    """data/runs/dcgan-failure-lab.pt (python -m ganlib train dcgan-failure-lab) holds the four runs the notebook
    reads: long momentum lets D run away, no batch norm ends below the reference, ReLU in D about level with it."""
    runs = load_runs("dcgan-failure-lab")["runs"]
    assert set(runs) == {"reference", *FAILURES}

    def late(name: str, key: str) -> float:
        values = runs[name]["history"][key]
        return sum(values[len(values) // 2:]) / len(values[len(values) // 2:])

    assert all(run["history"]["snapshot_step"][-1] == 400 and run["samples"].shape == (KEPT_SAMPLES, 1, 28, 28) for run in runs.values())
    assert late("Adam β1 = 0.9", "d_real") > 0.9 and late("Adam β1 = 0.9", "d_fake") < 0.05, "D runs away"
    assert 0.2 < late("reference", "d_fake") < 0.5 < late("reference", "d_real") < 0.8, "the reference game stays balanced"
    final = {name: run["confidence"][-1] for name, run in runs.items()}
    assert final["no batch norm"] < final["reference"] and abs(final["ReLU in D"] - final["reference"]) < 0.15
