"""The DCGAN for your own images: one block per doubling, every size and channel count, and its checkpoints."""

import shutil

import numpy as np
import pytest
import torch

from ganlib.__main__ import main
from ganlib.checkpoints import build_model, load_checkpoint, save_checkpoint
from ganlib.models.image_dcgan import ImageDCGANDiscriminator, ImageDCGANGenerator


@pytest.mark.parametrize(("size", "channels", "blocks"), [(32, 1, 3), (32, 3, 3), (64, 1, 4), (64, 3, 4)])
def test_shapes_and_one_block_per_doubling(size, channels, blocks):
    torch.manual_seed(0)
    G = ImageDCGANGenerator(latent_dim=8, width=4, image_size=size, channels=channels)
    D = ImageDCGANDiscriminator(width=4, image_size=size, channels=channels)
    images = G.sample(3, torch.Generator().manual_seed(0))
    assert images.shape == (3, channels, size, size) and 0 <= images.min() and images.max() <= 1
    assert D(images * 2 - 1).shape == (3,)
    strided_g = [m for m in G.net if isinstance(m, torch.nn.ConvTranspose2d) and m.stride == (2, 2)]
    strided_d = [m for m in D.net if isinstance(m, torch.nn.Conv2d) and m.stride == (2, 2)]
    assert len(strided_g) == len(strided_d) == blocks, "4 -> size in doublings"
    assert D.net[0].out_channels == 4 and G.net[0].out_channels == 4 * 2 ** (blocks - 1)


def test_bad_sizes_and_shapes_are_refused():
    with pytest.raises(ValueError, match="32 or 64"):
        ImageDCGANGenerator(image_size=28)
    with pytest.raises(ValueError, match="1 or 3"):
        ImageDCGANDiscriminator(channels=4)
    with pytest.raises(ValueError, match="same --image-size and --channels"):
        ImageDCGANDiscriminator(width=4, image_size=32, channels=3)(torch.zeros(2, 1, 32, 32))


def test_a_colour_checkpoint_samples_from_the_command_line_as_channels_last(tmp_path):
    torch.manual_seed(0)
    config = {"latent_dim": 8, "width": 4, "image_size": 32, "channels": 3}
    G = ImageDCGANGenerator(**config)
    path = save_checkpoint(tmp_path / "mine.pt", G, config, data="test")
    rebuilt = build_model(load_checkpoint(path)).eval()
    G.eval()
    z = torch.randn(2, 8)
    assert torch.equal(rebuilt.decode(z), G.decode(z))
    out = tmp_path / "colour.npy"
    assert main(["sample", str(path), "-n", "5", "-o", str(out)]) == 0
    array = np.load(out)
    assert array.shape == (5, 32, 32, 3) and array.dtype == np.float32 and 0 <= array.min() and array.max() <= 1


def _colour_folder(folder, n=6, size=(40, 36)):
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        Image.new("RGB", size, (40 * k, 255 - 40 * k, 128)).save(folder / f"{k}.png")
    return folder


def test_train_dcgan_on_a_folder_writes_a_checkpoint_and_snapshots_that_sample(tmp_path, capsys):
    data = _colour_folder(tmp_path / "pictures")
    out = tmp_path / "runs" / "mine.pt"
    with pytest.warns(UserWarning, match="resized and centre-cropped"):
        code = main(["train", "dcgan", "--data", str(data), "--image-size", "32", "--channels", "3", "--steps", "4",
                     "--width", "4", "--batch-size", "4", "--snapshot-every", "2", "--output", str(out)])
    assert code == 0 and out.exists() and out.with_suffix(".png").exists()
    payload = load_checkpoint(out)
    assert payload["model_class"] == "ImageDCGANGenerator" and payload["steps"] == 4
    assert payload["settings"]["image_size"] == 32 and "6 images" in payload["meta"]["data"]
    assert "--data" in payload["meta"]["command"]
    samples = tmp_path / "s.npy"
    assert main(["sample", str(out), "-n", "3", "-o", str(samples)]) == 0
    assert np.load(samples).shape == (3, 32, 32, 3)


def test_train_dcgan_refuses_bad_requests_before_training(tmp_path, capsys):
    data = _colour_folder(tmp_path / "pictures")
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    assert main(["train", "dcgan", "--data", str(data), "--output", str(blocked / "run.pt"), "--steps", "1"]) == 2
    assert "cannot create the folder" in capsys.readouterr().err
    assert main(["train", "dcgan", "--data", str(tmp_path / "nowhere"), "--output", str(tmp_path / "r.pt")]) == 1
    assert "no folder at" in capsys.readouterr().err
    assert main(["train", "dcgan", "--output", str(tmp_path / "r.pt")]) == 2
    assert "needs --data" in capsys.readouterr().err


def test_an_interrupted_run_keeps_its_weights(tmp_path, monkeypatch):
    import ganlib.recipes.image_folder as image_folder

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(image_folder, "train", interrupted)
    out = tmp_path / "cut.pt"
    with pytest.raises(KeyboardInterrupt):
        image_folder.train_on_folder("mnist", out, steps=10, settings=image_folder.FolderSettings(32, 1, 8, 4, 16),
                                     progress=False)
    assert load_checkpoint(out)["steps"] == 0 and torch.load(image_folder.state_path(out), weights_only=True)["steps_done"] == 0
    assert build_model(load_checkpoint(out)).sample(2).shape == (2, 1, 32, 32)


def test_a_run_resumes_from_its_training_state_up_to_the_steps_asked(tmp_path, capsys):
    data = _colour_folder(tmp_path / "pictures")
    out = tmp_path / "run.pt"
    common = ["train", "dcgan", "--data", str(data), "--image-size", "32", "--width", "4", "--batch-size", "4",
              "--snapshot-every", "2", "--output", str(out)]
    with pytest.warns(UserWarning):
        assert main([*common, "--steps", "3"]) == 0
    first = load_checkpoint(out)["state_dict"]
    with pytest.warns(UserWarning):
        assert main([*common, "--steps", "5", "--resume"]) == 0
    resumed = load_checkpoint(out)
    assert resumed["steps"] == 5 and torch.load(tmp_path / "run.state.pt", weights_only=True)["steps_done"] == 5
    assert any(not torch.equal(first[k], resumed["state_dict"][k]) for k in first), "two more steps changed the weights"
    assert main([*common, "--steps", "5", "--resume"]) == 1  # refused before any image is read
    assert "already done 5 steps" in capsys.readouterr().err
    assert main([*common[:-2], "--output", str(tmp_path / "other.pt"), "--steps", "5", "--resume"]) == 1
    assert "no training state" in capsys.readouterr().err
    assert main([*common, "--steps", "9", "--resume", "--channels", "1"]) == 1
    assert "other channels" in capsys.readouterr().err


def test_a_folder_over_the_memory_budget_is_streamed_and_trains_the_same_networks(tmp_path, capsys):
    data = _colour_folder(tmp_path / "pictures")
    out = tmp_path / "streamed.pt"
    with pytest.warns(UserWarning):  # the pictures are not square: resized and centre-cropped
        code = main(["train", "dcgan", "--data", str(data), "--image-size", "32", "--steps", "3", "--width", "4",
                     "--batch-size", "4", "--memory-mb", "0", "--workers", "0", "--output", str(out)])
    assert code == 0
    assert "6 images, streamed by 0 DataLoader workers" in capsys.readouterr().out
    payload = load_checkpoint(out)
    assert payload["steps"] == 3 and build_model(payload).sample(2).shape == (2, 3, 32, 32)


def test_the_folder_stays_in_memory_within_the_budget(tmp_path):
    import ganlib.recipes.image_folder as image_folder
    from ganlib.recipes.distributed import Replica

    data = _colour_folder(tmp_path / "pictures", n=4)
    settings = image_folder.FolderSettings(image_size=32, channels=3, width=4, batch_size=2)
    single = Replica(0, 1, torch.device("cpu"))
    kept = dict(workers=0, generator=torch.Generator().manual_seed(0), replica=single)
    with pytest.warns(UserWarning):
        batches, count, reading = image_folder.folder_batches(str(data), settings, memory_budget=4 * 3 * 32 * 32, **kept)
    assert (count, reading) == (4, "in memory") and next(iter(batches))[0].shape == (2, 3, 32, 32)
    with pytest.warns(UserWarning):
        batches, count, reading = image_folder.folder_batches(str(data), settings, memory_budget=4 * 3 * 32 * 32 - 1, **kept)
    assert count == 4 and reading.startswith("streamed") and next(iter(batches))[0].shape == (2, 3, 32, 32)


@pytest.mark.skipif(shutil.which("c++") is None and shutil.which("g++") is None,
                    reason="torch.compile builds its CPU kernels with a C++ compiler, and this machine has none")
def test_compiled_networks_train_and_save_like_eager_ones(tmp_path, monkeypatch):
    """--compile (torch.compile, opt-in) trains; the checkpoint holds the plain network's weights."""
    # A kernel cache of its own: inductor's cache does not tell apart kernels built with and without
    # ../shared/tools/plain-cpu's ATEN_CPU_CAPABILITY=avx2, and reusing one built natively gives NaN under it.
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "inductor"))
    out = tmp_path / "compiled.pt"
    assert main(["train", "dcgan", "--data", "mnist", "--image-size", "32", "--channels", "1", "--steps", "2",
                 "--width", "4", "--batch-size", "8", "--compile", "--output", str(out)]) == 0
    payload = load_checkpoint(out)
    assert payload["steps"] == 2 and not any(key.startswith("_orig_mod") for key in payload["state_dict"])
    assert build_model(payload).sample(2).shape == (2, 1, 32, 32)
