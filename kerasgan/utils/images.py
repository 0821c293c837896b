"""Image conversions and grids."""

from __future__ import annotations

import math
import os

import numpy as np


def to_uint8(images) -> np.ndarray:
    """Maps float images in [-1, 1] to uint8 [0, 255] (rounded, clipped)."""
    images = np.asarray(images, dtype="float32")
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype("uint8")


def to_float(images) -> np.ndarray:
    """Maps uint8 images to float32 in [-1, 1]."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"Expected uint8 images; received dtype {images.dtype}.")
    return images.astype("float32") / 127.5 - 1.0


def require_float_images(images, loader: str, what: str = "") -> None:
    """Raises a clear error unless a training batch holds float images.

    Args:
        images: A tensor or array of training images.
        loader: The kerasgan loader that produces the right format (named in
            the message), e.g. `"kerasgan.data.image_folder"`.
        what: Which input this is (e.g. `"lr"`), for the message.
    """
    import keras

    dtype = keras.backend.standardize_dtype(images.dtype)
    if "float" not in dtype:
        label = f"{what} " if what else ""
        raise ValueError(
            f"Expected float {label}images scaled to [-1, 1]; received dtype {dtype}. "
            f"Convert with `images / 127.5 - 1` or load them with {loader}."
        )


def make_grid(images, ncols: int | None = None, padding: int = 2,
              pad_value: int = 255) -> np.ndarray:
    """Tiles uint8 images `(n, h, w, c)` into one image.

    Args:
        images: uint8 array of shape `(n, h, w, c)`.
        ncols: Images per row (default: a near-square grid).
        padding: Pixels between images.
        pad_value: Value of the padding pixels.

    Returns:
        uint8 array `(rows * (h + padding) + padding, ..., c)`.
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"Expected images of shape (n, h, w, c); received {images.shape}.")
    n, h, w, c = images.shape
    ncols = ncols or int(math.ceil(math.sqrt(n)))
    nrows = int(math.ceil(n / ncols))
    grid = np.full(
        (nrows * (h + padding) + padding, ncols * (w + padding) + padding, c),
        pad_value, dtype=images.dtype,
    )
    for i, image in enumerate(images):
        r, col = divmod(i, ncols)
        top = padding + r * (h + padding)
        left = padding + col * (w + padding)
        grid[top:top + h, left:left + w] = image
    return grid


def save_image(path: str, image) -> str:
    """Saves a uint8 `(h, w, c)` array as an image file (format from the suffix)."""
    from PIL import Image

    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    Image.fromarray(image).save(path)
    return path
