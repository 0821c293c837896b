"""Turning the inputs metrics accept into batches of float32 [0, 255] RGB images.

Accepted inputs (one convention for every metric and extractor):

- uint8 arrays `(N, H, W, C)` in [0, 255] — the primary format, what
  `GAN.generate` returns;
- float arrays `(N, H, W, C)` in [-1, 1] — kerasgan's training convention
  (float images in [0, 1] cannot be told apart from [-1, 1]: convert them to
  uint8 first);
- a `tf.data.Dataset` or any iterable of such arrays (batched or single images;
  `(images, labels)` tuples and `{"image": ...}` dicts are unpacked).

`C` is 1 (tiled to RGB) or 3.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

ImageData = Any  # np.ndarray | tf.data.Dataset | Iterable of arrays


def to_float255(images) -> np.ndarray:
    """Converts one batch to float32 RGB in [0, 255] (see the module docstring)."""
    images = _as_numpy(images)
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4:
        raise ValueError(
            f"Expected images of shape (N, H, W, C); received an array of shape {images.shape}."
        )
    channels = images.shape[-1]
    if channels not in (1, 3):
        raise ValueError(
            f"Expected 1 or 3 channels (channels last); received shape {images.shape}. "
            "Convert RGBA images to RGB first."
        )
    if images.dtype == np.uint8:
        out = images.astype("float32")
    elif np.issubdtype(images.dtype, np.floating):
        lo, hi = (float(images.min()), float(images.max())) if images.size else (0.0, 0.0)
        if lo < -1.001 or hi > 1.001:
            raise ValueError(
                f"Float images must be in [-1, 1] (kerasgan's convention); received "
                f"values in [{lo:.3g}, {hi:.3g}]. Pass uint8 arrays for [0, 255] images."
            )
        out = (np.clip(images.astype("float32"), -1.0, 1.0) + 1.0) * 127.5
    else:
        raise ValueError(
            f"Expected uint8 images in [0, 255] or float images in [-1, 1]; "
            f"received dtype {images.dtype}."
        )
    if channels == 1:
        out = np.repeat(out, 3, axis=-1)
    return out


def _unpack(element):
    if isinstance(element, dict):
        for key in ("image", "images"):
            if key in element:
                return element[key]
        raise ValueError(
            f"Dataset elements are dicts with keys {sorted(element)}; expected an "
            "'image' or 'images' key."
        )
    if isinstance(element, (tuple, list)):
        return element[0]
    return element


def _is_array(data) -> bool:
    """An array or tensor (as opposed to a dataset or iterable of batches)."""
    return isinstance(data, np.ndarray) or (
        hasattr(data, "shape") and hasattr(data, "dtype") and not hasattr(data, "element_spec")
    )


def _as_numpy(x) -> np.ndarray:
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    return np.asarray(x)


def num_images(data: ImageData) -> int | None:
    """The number of images in `data` if known without iterating, else None."""
    if _is_array(data) and len(data.shape) == 4:
        return int(data.shape[0])
    return None


def iter_batches(data: ImageData, batch_size: int = 50,
                 num_samples: int | None = None) -> Iterator[np.ndarray]:
    """Yields float32 RGB batches in [0, 255] of at most `batch_size` images.

    Args:
        data: Images (see the module docstring).
        batch_size: Largest batch yielded.
        num_samples: Stop after this many images (None: all of them).

    Yields:
        float32 arrays `(b, H, W, 3)`.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; received {batch_size}.")
    remaining = np.inf if num_samples is None else int(num_samples)
    if _is_array(data):
        arrays = [_as_numpy(data)]
    else:
        if isinstance(data, (str, bytes)):
            raise TypeError(f"Expected images or an iterable of image batches; received {data!r}.")
        if hasattr(data, "as_numpy_iterator"):  # tf.data.Dataset
            arrays = data.as_numpy_iterator()
        else:
            arrays = iter(data)
    pending: list[np.ndarray] = []  # single images waiting to form a batch
    for element in arrays:
        if remaining <= 0:
            break
        array = _as_numpy(_unpack(element))
        if array.ndim == 3:
            pending.append(array)
            if len(pending) == batch_size or len(pending) >= remaining:
                batch = to_float255(np.stack(pending))
                pending = []
                remaining -= len(batch)
                yield batch
            continue
        for start in range(0, len(array), batch_size):
            if remaining <= 0:
                break
            stop = start + int(min(batch_size, remaining))
            batch = to_float255(array[start:stop])
            remaining -= len(batch)
            yield batch
    if pending and remaining > 0:
        yield to_float255(np.stack(pending[: int(min(len(pending), remaining))]))
