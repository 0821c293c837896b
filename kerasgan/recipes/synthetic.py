"""Synthetic image folders: data for `--smoke` runs that needs no download."""

from __future__ import annotations

import os

import numpy as np


def _image(rng: np.random.Generator, height: int, width: int, hue: float) -> np.ndarray:
    """One uint8 image: a disc and a bar on a gradient, colours around `hue`."""
    yy, xx = np.mgrid[:height, :width].astype("float32")
    base = rng.uniform(0.1, 0.4) + 0.3 * (yy / height)
    image = np.stack([base, base * (0.6 + 0.4 * hue), base * (1.0 - 0.5 * hue)], -1)
    cy, cx = rng.uniform(0.3, 0.7, 2) * (height, width)
    radius = rng.uniform(0.15, 0.3) * min(height, width)
    disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= radius ** 2
    image[disc] = np.clip(np.array([hue, 1.0 - hue, 0.5]) + rng.uniform(-0.2, 0.2, 3), 0, 1)
    top = int(rng.integers(0, max(1, height - 2)))
    image[top:top + max(1, height // 10)] = rng.uniform(0.6, 1.0, 3)
    return np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)


def synthetic_images(folder: str, count: int, size, seed: int = 0, hue: float = 0.5,
                     suffix: str = ".png") -> str:
    """Writes `count` small structured RGB images into `folder`.

    The same arguments write the same images (seeded), so a resumed run sees
    the same data.

    Args:
        folder: Where to write `img_000.png`, ... (created if needed).
        count: Number of images.
        size: Side of square images, or `(height, width)`.
        seed: Seed of the shapes' positions and colours.
        hue: 0..1, shifts the palette (two domains: two hues).
        suffix: Image format, `".png"` or `".jpg"`.

    Returns:
        `folder`.

    Example:
    ```python
    data = kerasgan.recipes.synthetic_images("/tmp/faces", 16, (109, 89))
    ds = kerasgan.data.image_folder(data, image_size=32, batch_size=4)
    ```
    """
    from PIL import Image

    height, width = (size, size) if isinstance(size, int) else size
    if count < 1 or height < 4 or width < 4:
        raise ValueError(f"synthetic_images needs count >= 1 and sides >= 4; received "
                         f"count={count!r}, size={size!r}.")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        Image.fromarray(_image(rng, height, width, hue)).save(
            os.path.join(folder, f"img_{i:03d}{suffix}"))
    return folder


def synthetic_sr_benchmark(folder: str, count: int = 2, size: int = 32, scale: int = 4,
                           seed: int = 0) -> str:
    """Writes a super-resolution benchmark folder: `HR/` and `LR_bicubic_x{scale}/`.

    The layout `kerasgan.data.sr_benchmark` and `kerasgan.sr.evaluate_sr`
    read; LR images are bicubic downsamplings of the HR ones.

    Args:
        folder: The benchmark folder (e.g. `<tmp>/Set5`).
        count: Image pairs.
        size: HR side (a multiple of `scale`).
        scale: Downsampling factor.
        seed: Seed of the images.

    Returns:
        `folder`.
    """
    from PIL import Image

    if size % scale:
        raise ValueError(f"size ({size}) must be a multiple of scale ({scale}).")
    hr_dir = synthetic_images(os.path.join(folder, "HR"), count, size, seed=seed)
    lr_dir = os.path.join(folder, f"LR_bicubic_x{scale}")
    os.makedirs(lr_dir, exist_ok=True)
    for name in sorted(os.listdir(hr_dir)):
        with Image.open(os.path.join(hr_dir, name)) as hr:
            hr.resize((size // scale, size // scale), Image.BICUBIC).save(
                os.path.join(lr_dir, name))
    return folder
