"""A folder of your own pictures as a training set: PNG and JPEG files, searched recursively.

Every image is decoded once, converted to the mode asked for (``L`` for one channel, ``RGB`` for three),
scaled so that its shorter side is ``image_size`` and cropped to the centre square, then kept in memory as
``uint8`` (a 64×64 colour image costs 12 KB, so 10,000 of them fit in 120 MB). A torchvision ``ImageFolder``
layout (one sub-folder per class) is read the same way; the classes are ignored.

Bad files do not stop a run: an unreadable image is skipped with a warning that names it, and only a folder
where most images are unreadable is refused. Images of other sizes or modes are converted, with one warning
that says how many.
"""

from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from ganlib.models.image_dcgan import IMAGE_SIZES

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


def load_image_folder(folder: str | Path, image_size: int, channels: int) -> torch.Tensor:
    """The images under ``folder`` as a ``uint8`` tensor ``(n, channels, image_size, image_size)``.

    Raises ``ValueError`` for an image size other than 32 or 64, a channel count other than 1 or 3, a folder
    without images, or one where most images cannot be read.
    """
    from PIL import Image, UnidentifiedImageError

    if image_size not in IMAGE_SIZES:
        raise ValueError(f"image size {image_size} is not supported: choose 32 or 64 (the DCGAN doubles its size per block).")
    if channels not in MODES:
        raise ValueError(f"channels must be 1 (grey) or 3 (colour), got {channels}.")
    files = find_images(folder)
    mode = MODES[channels]
    arrays, unreadable = [], []
    converted: Counter[str] = Counter()
    resized = 0
    for path in files:
        try:
            with Image.open(path) as image:
                image.load()
                if image.mode != mode:
                    converted[image.mode] += 1
                    image = image.convert(mode)
                if image.size != (image_size, image_size):
                    resized += 1
                    image = _square(image, image_size)
                arrays.append(np.asarray(image, dtype=np.uint8).reshape(image_size, image_size, channels))
        except (UnidentifiedImageError, OSError, ValueError) as error:
            unreadable.append(path)
            warnings.warn(f"skipping {path}: it cannot be read as an image ({error}).", stacklevel=2)
    if len(unreadable) * 2 > len(files):
        raise ValueError(f"{len(unreadable)} of the {len(files)} image files under {folder} cannot be read (the first: "
                         f"{unreadable[0]}): check that they are PNG or JPEG images, not other files renamed.")
    if converted or resized:
        changes = [f"{count} from mode {m}" for m, count in sorted(converted.items())]
        warnings.warn(f"converted {len(arrays)} images to {image_size}x{image_size} {mode}: "
                      + ", ".join(changes + ([f"{resized} resized and centre-cropped"] if resized else [])) + ".",
                      stacklevel=2)
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()
