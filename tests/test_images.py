"""ganlib.data.images: a folder of your own pictures, with its bad files skipped or converted, never fatal one by one."""

import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from ganlib.data.images import find_images, load_image_folder


def _save(path, size=(40, 30), mode="RGB", value=(200, 30, 60)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, value).save(path)


@pytest.fixture
def folder(tmp_path):
    for k in range(4):
        _save(tmp_path / "cats" / f"{k}.png", size=(64, 64), value=(10 * k, 100, 200))
    _save(tmp_path / "dogs" / "deep" / "a.jpg", size=(64, 64), value=(250, 250, 0))
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


def test_images_are_found_recursively_in_a_fixed_order(folder):
    names = [p.relative_to(folder).as_posix() for p in find_images(folder)]
    assert names == ["cats/0.png", "cats/1.png", "cats/2.png", "cats/3.png", "dogs/deep/a.jpg"]


def test_a_folder_of_colour_images_loads_as_uint8_squares(folder):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same size and mode everywhere: nothing to say
        images = load_image_folder(folder, 64, 3)
    assert images.shape == (5, 3, 64, 64) and images.dtype == torch.uint8
    assert images[0, :, 10, 10].tolist() == [0, 100, 200]


def test_other_sizes_and_modes_are_converted_with_one_warning(tmp_path):
    _save(tmp_path / "wide.png", size=(96, 48), value=(0, 0, 0))
    _save(tmp_path / "grey.png", size=(32, 32), mode="L", value=128)
    with pytest.warns(UserWarning, match=r"converted 2 images to 32x32 RGB: 1 from mode L, 1 resized") as caught:
        images = load_image_folder(tmp_path, 32, 3)
    assert len(caught) == 1
    assert images.shape == (2, 3, 32, 32)
    assert images[0].unique().tolist() == [128], "grey.png (first in order) becomes three equal channels"


def test_a_wide_image_is_scaled_to_its_shorter_side_and_centre_cropped(tmp_path):
    image = np.zeros((32, 96), dtype=np.uint8)
    image[:, 32:64] = 255  # a white band in the middle third
    Image.fromarray(image).save(tmp_path / "band.png")
    with pytest.warns(UserWarning, match="resized"):
        loaded = load_image_folder(tmp_path, 32, 1)
    assert loaded.shape == (1, 1, 32, 32) and loaded.float().mean() > 240, "the crop keeps the centre, all white"


def test_a_corrupt_image_is_skipped_with_a_warning_naming_it(folder):
    (folder / "cats" / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.warns(UserWarning, match=r"skipping .*broken\.png"):
        images = load_image_folder(folder, 64, 3)
    assert images.shape[0] == 5


def test_a_folder_of_mostly_unreadable_images_is_refused(tmp_path):
    _save(tmp_path / "good.png", size=(32, 32))
    for k in range(2):
        (tmp_path / f"bad{k}.jpg").write_bytes(b"garbage")
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="2 of the 3 image files"):
        load_image_folder(tmp_path, 32, 3)


@pytest.mark.parametrize(
    ("setup", "size", "channels", "error", "message"),
    [
        ("missing", 32, 3, FileNotFoundError, "no folder at"),
        ("empty", 32, 3, ValueError, "holds no PNG or JPEG files"),
        ("ok", 48, 3, ValueError, "choose 32 or 64"),
        ("ok", 32, 2, ValueError, "1 \\(grey\\) or 3 \\(colour\\)"),
    ],
)
def test_bad_requests_get_a_clear_error(tmp_path, setup, size, channels, error, message):
    folder = tmp_path / "data"
    if setup != "missing":
        folder.mkdir()
    if setup == "ok":
        _save(folder / "a.png", size=(32, 32))
    with pytest.raises(error, match=message):
        load_image_folder(folder, size, channels)


def _epoch(loader):
    return torch.cat([batch for (batch,) in loader])


def test_a_streamed_folder_gives_every_image_once_an_epoch_in_a_fresh_order(folder):
    from ganlib.data.images import streamed_batches

    loader = streamed_batches(folder, 64, 3, batch_size=2, workers=0, generator=torch.Generator().manual_seed(0))
    in_memory = load_image_folder(folder, 64, 3)
    first, second = _epoch(loader), _epoch(loader)
    assert first.dtype == torch.uint8 and first.shape == (4, 3, 64, 64), "two full batches of 2 (drop_last)"
    rows = lambda images: sorted(tuple(image[:, 0, 0].tolist()) for image in images)  # noqa: E731
    assert set(rows(first)) <= set(rows(in_memory)) and len(set(rows(first))) == 4
    assert rows(first) != rows(second) or not torch.equal(first, second), "each epoch is reshuffled"


def test_streamed_workers_decode_the_same_images_as_memory(folder):
    from ganlib.data.images import streamed_batches

    said = "converted 5 images to 32x32 L: 5 from mode RGB, 5 resized and centre-cropped"
    with pytest.warns(UserWarning, match=said):  # announced when the headers are read, as when decoded
        loader = streamed_batches(folder, 32, 1, batch_size=5, workers=2, generator=torch.Generator().manual_seed(0))
    with pytest.warns(UserWarning, match=said):
        in_memory = load_image_folder(folder, 32, 1)
    (streamed,) = next(iter(loader))
    order = lambda images: images[images.flatten(1).sum(1).argsort()]  # noqa: E731
    assert torch.equal(order(streamed), order(in_memory))


def test_a_streamed_folder_skips_what_it_cannot_read_with_a_warning_each(folder):
    from ganlib.data.images import streamed_batches

    (folder / "cats" / "renamed.png").write_bytes(b"garbage")  # refused when the headers are read
    truncated = folder / "dogs" / "truncated.png"
    Image.new("RGB", (64, 64), (1, 2, 3)).save(truncated)
    truncated.write_bytes(truncated.read_bytes()[:60])  # a valid header, no pixels: fails when decoded
    with pytest.warns(UserWarning, match=r"skipping .*renamed\.png"):
        loader = streamed_batches(folder, 64, 3, batch_size=6, workers=0, generator=torch.Generator().manual_seed(0))
    with pytest.warns(UserWarning, match=r"skipping .*truncated\.png in this batch"):
        (batch,) = next(iter(loader))
    assert batch.shape == (5, 3, 64, 64), "the batch of 6 lost the undecodable image"
    for k in range(12):
        (folder / f"junk{k}.jpg").write_bytes(b"garbage")
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="13 of the 19 image files"):
        streamed_batches(folder, 64, 3, batch_size=2, workers=0)
