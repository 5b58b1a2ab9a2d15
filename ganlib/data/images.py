"""A folder of your own pictures as a training set: PNG and JPEG files, searched recursively.

Every image is converted to the mode asked for (``L`` for one channel, ``RGB`` for three), scaled so that its
shorter side is ``image_size`` and cropped to the centre square. A torchvision ``ImageFolder`` layout (one
sub-folder per class) is read the same way; the classes are ignored. Two ways to feed them to training:

* **in memory** (:func:`load_image_folder`): decoded once and kept as ``uint8`` (a 64×64 colour image costs
  12 KB, so 10,000 of them fit in 120 MB); batches are then rows of one tensor, with no work per step;
* **streamed** (:func:`streamed_batches`), for folders that do not fit a memory budget: a ``DataLoader`` whose
  worker processes decode every image again each time it is drawn.

On a 2-core CPU, memory is the faster of the two: the workers decode on the same two cores that train, and
``benchmarks/image_loading.py`` measures by how much. So streaming is only for what memory cannot hold.

Bad files do not stop a run: an unreadable image is skipped with a warning that names it, and only a folder
where most images are unreadable is refused. Images of other sizes or modes are converted, with one warning
that says how many.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from ganlib.models.image_dcgan import check_image_shape

if TYPE_CHECKING:  # Pillow is imported when images are read
    from PIL.Image import Image as PILImage

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MODES = {1: "L", 3: "RGB"}


def find_images(folder: str | Path) -> list[Path]:
    """Every PNG or JPEG file under ``folder`` (any depth), in a fixed (sorted) order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder at {folder}: give --data the folder that holds your images.")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"{folder} holds no PNG or JPEG files (searched recursively): put your images there, "
                         f"with one of the suffixes {', '.join(IMAGE_SUFFIXES)}.")
    return files


def _square(image: PILImage, size: int) -> PILImage:
    """Scale so that the shorter side is ``size``, then crop the centre ``size`` × ``size`` square."""
    from PIL import Image

    width, height = image.size
    scale = size / min(width, height)
    new_width, new_height = max(size, round(width * scale)), max(size, round(height * scale))
    image = image.resize((new_width, new_height), Image.Resampling.BILINEAR, reducing_gap=None)
    left, top = (new_width - size) // 2, (new_height - size) // 2
    return image.crop((left, top, left + size, top + size))


def decode_image(path: Path, image_size: int, channels: int) -> np.ndarray:
    """One image file as ``uint8`` ``(image_size, image_size, channels)``: converted to the mode asked for, scaled
    and centre-cropped. Raises ``OSError`` or ``ValueError`` when it cannot be read."""
    from PIL import Image

    with Image.open(path) as image:
        return _pixels(image, image_size, channels)


def _pixels(image: PILImage, image_size: int, channels: int) -> np.ndarray:
    """An opened image's pixels, converted, scaled and centre-cropped (:func:`decode_image`)."""
    image = image.convert(MODES[channels]) if image.mode != MODES[channels] else image
    if image.size != (image_size, image_size):
        image = _square(image, image_size)
    return np.array(image, dtype=np.uint8).reshape(image_size, image_size, channels)


def scan_folder(folder: str | Path, image_size: int, channels: int, *, decode: bool) -> tuple[list[Path], list[np.ndarray]]:
    """The readable image files under ``folder`` and, with ``decode``, their pixels (:func:`decode_image`).

    Without ``decode`` only the headers are read. An unreadable file is left out with a warning that names it,
    and one warning says how many images change mode or size. Raises ``ValueError`` for an image size other
    than 32 or 64, a channel count other than 1 or 3, a folder without images, or one where most images cannot
    be read.
    """
    from PIL import Image

    check_image_shape(image_size, channels)
    files = find_images(folder)
    readable, arrays, unreadable = [], [], []
    converted: Counter[str] = Counter()
    resized = 0
    for path in files:
        try:
            with Image.open(path) as image:  # reads the header; the pixels only with decode
                mode, size = image.mode, image.size
                if decode:
                    arrays.append(_pixels(image, image_size, channels))
        except (OSError, ValueError) as error:  # PIL's UnidentifiedImageError is an OSError
            unreadable.append(path)
            warnings.warn(f"skipping {path}: it cannot be read as an image ({error}).", stacklevel=3)
            continue
        readable.append(path)
        converted.update([mode] if mode != MODES[channels] else [])
        resized += size != (image_size, image_size)
    if len(unreadable) * 2 > len(files):
        raise ValueError(f"{len(unreadable)} of the {len(files)} image files under {folder} cannot be read (the first: "
                         f"{unreadable[0]}): check that they are PNG or JPEG images, not other files renamed.")
    if converted or resized:
        changes = [f"{count} from mode {m}" for m, count in sorted(converted.items())]
        warnings.warn(f"converted {len(readable)} images to {image_size}x{image_size} {MODES[channels]}: "
                      + ", ".join(changes + ([f"{resized} resized and centre-cropped"] if resized else [])) + ".",
                      stacklevel=3)
    return readable, arrays


def in_memory_bytes(files: list[Path], image_size: int, channels: int) -> int:
    """What :func:`load_image_folder` would hold in memory for ``files``."""
    return len(files) * channels * image_size * image_size


def load_image_folder(folder: str | Path, image_size: int, channels: int) -> torch.Tensor:
    """The images under ``folder``, decoded once, as a ``uint8`` tensor ``(n, channels, image_size, image_size)``
    (see :func:`scan_folder` for what is skipped, announced or refused)."""
    arrays = scan_folder(folder, image_size, channels, decode=True)[1]
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()


class ImageFiles(torch.utils.data.Dataset):
    """Image files decoded one at a time (in a ``DataLoader``'s workers): item ``i`` is ``uint8``
    ``(channels, image_size, image_size)``, or ``None`` for a file that cannot be decoded (with a warning)."""

    def __init__(self, files: list[Path], image_size: int, channels: int) -> None:
        self.files, self.image_size, self.channels = files, image_size, channels

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> torch.Tensor | None:
        try:
            array = decode_image(self.files[index], self.image_size, self.channels)
        except (OSError, ValueError) as error:
            warnings.warn(f"skipping {self.files[index]} in this batch: it cannot be decoded ({error}).", stacklevel=2)
            return None
        return torch.from_numpy(array).permute(2, 0, 1).contiguous()


def stack_readable(items: list[torch.Tensor | None]) -> tuple[torch.Tensor]:
    """A ``DataLoader``'s collate function: the decoded images of a batch, stacked; undecodable ones dropped."""
    return (torch.stack([item for item in items if item is not None]),)


class _IndexBatches:
    """The row numbers of each batch, in the order of a :class:`~ganlib.data.batches.BatchIterator` (same
    seed, same per-process shares under torchrun), as a ``DataLoader``'s ``batch_sampler``."""

    def __init__(self, n: int, batch_size: int, generator: torch.Generator, replica: int, replicas: int) -> None:
        from ganlib.data.batches import BatchIterator

        self.rows = BatchIterator(torch.arange(n), batch_size=batch_size, generator=generator, replica=replica,
                                  replicas=replicas)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[list[int]]:
        return (rows.tolist() for (rows,) in self.rows)


def streamed_batches(
    folder: str | Path,
    image_size: int,
    channels: int,
    *,
    batch_size: int,
    workers: int = 2,
    generator: torch.Generator | None = None,
    replica: int = 0,
    replicas: int = 1,
) -> torch.utils.data.DataLoader:
    """Shuffled batches ``(uint8 images,)`` of the images under ``folder``, decoded by ``workers`` processes.

    The files are checked first, by their headers only (:func:`scan_folder`, as for :func:`load_image_folder`).
    An image that passes that check but fails to decode is dropped from its batch with a warning.
    """
    readable = scan_folder(folder, image_size, channels, decode=False)[0]
    batches = _IndexBatches(len(readable), min(batch_size, len(readable)), generator or torch.Generator(), replica, replicas)
    return torch.utils.data.DataLoader(ImageFiles(readable, image_size, channels), batch_sampler=batches,
                                       num_workers=workers, collate_fn=stack_readable, persistent_workers=workers > 0)
