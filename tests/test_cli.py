import subprocess
import sys

import numpy as np
import pytest
import torch

from ganlib.__main__ import main
from ganlib.checkpoints import save_checkpoint
from ganlib.models.classifier import MnistClassifier
from ganlib.models.mlp_gan import MLPGenerator
from ganlib.models.vae import VAE


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    (tmp_path / "checkpoints").mkdir()
    torch.manual_seed(0)
    save_checkpoint(tmp_path / "checkpoints" / "tiny-vae.pt", VAE(2, "mlp"), {"latent_dim": 2, "arch": "mlp"}, data="test")
    save_checkpoint(tmp_path / "checkpoints" / "clf.pt", MnistClassifier(width=4, feature_dim=8), {"width": 4, "feature_dim": 8})
    save_checkpoint(tmp_path / "checkpoints" / "points.pt", MLPGenerator(2, 2, 8, 1), {"latent_dim": 2, "data_dim": 2, "hidden": 8, "depth": 1})
    monkeypatch.setenv("GANLIB_DATA", str(tmp_path))
    return tmp_path


def test_sample_writes_float32_images_in_unit_range(data_dir, tmp_path, capsys):
    out = tmp_path / "samples.npy"
    assert main(["sample", "tiny-vae", "-n", "7", "-o", str(out)]) == 0
    array = np.load(out)
    assert array.shape == (7, 28, 28) and array.dtype == np.float32
    assert 0.0 <= array.min() and array.max() <= 1.0 and array.std() > 0
    assert "wrote 7 samples" in capsys.readouterr().out


def test_sample_writes_points_of_a_2d_generator_as_an_n_by_2_array(data_dir, tmp_path):
    out = tmp_path / "points.npy"
    assert main(["sample", "points", "-n", "5", "-o", str(out)]) == 0
    array = np.load(out)
    assert array.shape == (5, 2) and array.dtype == np.float32 and np.isfinite(array).all()


@pytest.mark.parametrize("sampler", ["drs", "mh"])
def test_corrected_samples_of_the_grid_gan_land_nearer_its_modes(tmp_path, capsys, sampler):
    """The shipped gan-grid-naive, corrected by its fitted density ratio: nearly all samples within 3 std of a mode
    (issue 18's target is 95% on average; fits with seeds 0-2 gave 96.6-97.6% in single draws, plain gives 76%)."""
    from ganlib.checkpoints import pretrained
    from ganlib.metrics.modes import mode_coverage

    out = tmp_path / "grid.npy"
    assert main(["sample", "gan-grid-naive", "-n", "2500", "-o", str(out), "--sampler", sampler]) == 0
    corrected = torch.from_numpy(np.load(out))
    assert corrected.shape == (2500, 2)
    with torch.no_grad():
        plain = pretrained("gan-grid-naive").sample(2500, generator=torch.Generator().manual_seed(0))
    assert mode_coverage(plain, "grid")["high_quality"] < 0.8 <= 0.93 <= mode_coverage(corrected, "grid")["high_quality"]
    assert "acceptance rate" in capsys.readouterr().out


def test_corrected_digits_are_written_as_images_in_the_unit_range(tmp_path, capsys):
    out = tmp_path / "digits.npy"
    assert main(["sample", "gan-mnist", "-n", "50", "-o", str(out), "--sampler", "mh"]) == 0
    array = np.load(out)
    assert array.shape == (50, 28, 28) and array.dtype == np.float32 and 0.0 <= array.min() and array.max() <= 1.0
    assert "mh: acceptance rate" in capsys.readouterr().out


def test_sample_takes_the_path_of_any_checkpoint_file(data_dir, tmp_path, capsys):
    out = tmp_path / "from-file.npy"
    assert main(["sample", str(data_dir / "checkpoints" / "tiny-vae.pt"), "-n", "4", "-o", str(out)]) == 0
    assert np.load(out).shape == (4, 28, 28)
    assert main(["sample", str(tmp_path / "missing.pt"), "-n", "4", "-o", str(out)]) == 1
    assert "no checkpoint at" in capsys.readouterr().err


def test_samples_are_written_as_one_channel_colour_or_point_arrays():
    from ganlib.__main__ import samples_as_array

    grey, colour = torch.rand(5, 1, 8, 6), torch.rand(5, 3, 8, 6) * 2 - 0.5
    assert samples_as_array(grey).shape == (5, 8, 6)
    rgb = samples_as_array(colour)
    assert rgb.shape == (5, 8, 6, 3) and rgb.dtype == np.float32 and rgb.min() >= 0 and rgb.max() <= 1
    assert np.array_equal(rgb[:, 2, 3], colour[:, :, 2, 3].clamp(0, 1).numpy()), "channels last, pixel by pixel"
    assert samples_as_array(torch.ones(5, 2)).shape == (5, 2)
    with pytest.raises(ValueError, match="neither images"):
        samples_as_array(torch.ones(5, 2, 8, 8))


def test_sample_is_reproducible_by_seed(data_dir, tmp_path):
    a, b, c = (tmp_path / f"{k}.npy" for k in "abc")
    main(["sample", "tiny-vae", "-n", "3", "-o", str(a), "--seed", "1"])
    main(["sample", "tiny-vae", "-n", "3", "-o", str(b), "--seed", "1"])
    main(["sample", "tiny-vae", "-n", "3", "-o", str(c), "--seed", "2"])
    assert np.array_equal(np.load(a), np.load(b)) and not np.array_equal(np.load(a), np.load(c))


@pytest.mark.parametrize(
    "argv, message",
    [
        (["sample", "tiny-vae", "-n", "2", "-o", "x.npy", "--sampler", "mh", "--digit", "3"], "cannot be combined"),
        (["sample", "tiny-vae", "-n", "0", "-o", "x.npy"], "positive integer"),
        (["sample", "tiny-vae", "-n", "2", "-o", "x.txt"], "name the output file x.npy"),
        (["sample", "tiny-vae", "-n", "2", "-o", "x"], "name the output file x.npy"),
        (["train", "nope"], "invalid choice: 'nope'"),
    ],
)
def test_usage_errors_exit_with_status_2_and_a_message(data_dir, argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["sample", "nope", "-n", "2", "-o", "x.npy"], "unknown pretrained model 'nope'"),
        (["sample", "clf", "-n", "2", "-o", "x.npy"], "not a generator"),
        (["sample", "tiny-vae", "-n", "2", "-o", "x.npy", "--sampler", "drs"], "no density-ratio settings for 'tiny-vae'"),
    ],
)
def test_requests_that_fail_at_work_exit_with_status_1_and_a_message(data_dir, argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_list_shows_checkpoints_and_recipes(data_dir, capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "tiny-vae" in out and "vae-mnist" in out


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "ganlib", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "sample" in result.stdout


def test_a_refused_output_name_writes_nothing(data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["sample", "tiny-vae", "-n", "2", "-o", "x.txt"]) == 2
    assert not list(tmp_path.glob("x*"))


def test_nan_codes_are_refused_with_a_message():
    vae = VAE(2, "mlp")
    with pytest.raises(ValueError, match="contain NaN or infinity"):
        vae.decode(torch.tensor([[0.0, float("nan")], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="1 of the 2 latent codes"):
        MLPGenerator(2, 2, 8, 1).decode(torch.tensor([[float("inf"), 0.0], [0.0, 1.0]]))
