"""NumPy image ops of the PyDataset pipelines, matching their tf.data counterparts.

Decoding goes through Pillow; the resizes reimplement the TensorFlow kernels
the tf.data pipelines use, so that both pipelines give the same pixels up to
float rounding:

- `resize_area`: `tf.image.resize(method="area")` (TensorFlow's `ResizeArea`:
  each output pixel is the mean of the input area it covers).
- `resize_bicubic_antialias`: `tf.image.resize(method="bicubic",
  antialias=True)` (`ScaleAndTranslate` with Keys' cubic, a = -0.5, widened by
  the downscaling factor; taps outside the image are dropped and the weights
  renormalised).
- `resize_bicubic`: `tf.image.resize(method="bicubic")` (`ResizeBicubic` with
  half-pixel centres and its 1024-entry weight table).

Each builds the weights of every output pixel along each axis and applies
them in float32, rows first, as TensorFlow does.
"""

from __future__ import annotations

import functools

import numpy as np

_TABLE_SIZE = 1024  # ResizeBicubic's weight-table resolution


def decode_image(path: str, channels: int = 3) -> np.ndarray:
    """Reads an image file as uint8 `(h, w, channels)`.

    Grayscale, palette and RGBA images are converted like the tf.data
    decoder does (RGB: alpha dropped, gray repeated; 1 channel: Pillow's luma).

    Args:
        path: Image file.
        channels: 3 (RGB) or 1.

    Returns:
        uint8 array `(h, w, channels)`.
    """
    from PIL import Image

    with Image.open(path) as im:
        if channels == 1 and im.format == "JPEG":
            im.draft("L", im.size)  # luma straight from the decoder, as libjpeg's grayscale
        im = im.convert("RGB" if channels == 3 else "L")
        array = np.asarray(im, dtype=np.uint8)
    return array if array.ndim == 3 else array[..., None]


def crop_box(height: int, width: int, crop) -> tuple[int, int, int, int]:
    """The `(top, left, h, w)` box of `crop` ("center", int, box or None).

    Same rules as `kerasgan.data.transforms.crop_and_resize`.
    """
    if crop == "center" or (isinstance(crop, int) and not isinstance(crop, bool)):
        side = min(height, width)
        if crop != "center":
            side = min(side, crop)
        return (height - side) // 2, (width - side) // 2, side, side
    if isinstance(crop, (tuple, list)) and len(crop) == 4:
        top, left, h, w = (int(v) for v in crop)
        # Slicing semantics: a box past the edge is clipped, as in tf.
        h = max(0, min(h, height - top))
        w = max(0, min(w, width - left))
        return top, left, h, w
    if crop is None:
        return 0, 0, height, width
    raise ValueError(
        "crop must be 'center', an int, a (top, left, height, width) box or "
        f"None; received {crop!r}."
    )


def to_unit_range(images: np.ndarray) -> np.ndarray:
    """uint8 (or float 0..255) pixels -> float32 in [-1, 1]."""
    out = np.asarray(images, dtype=np.float32) / np.float32(127.5) - np.float32(1.0)
    return np.clip(out, -1.0, 1.0, out=out)


def quantize(image: np.ndarray) -> np.ndarray:
    """Float pixels -> uint8 (round half to even, clip), as `tf.round` + cast."""
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def _band(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A dense `(out, in)` weight matrix as taps: input indices and weights `(out, span)`."""
    rows = [np.flatnonzero(w) for w in weights]
    span = max((r[-1] - r[0] + 1 for r in rows if len(r)), default=1)
    n = weights.shape[1]
    starts = np.array([min(r[0], n - span) if len(r) else 0 for r in rows])
    index = starts[:, None] + np.arange(span)[None, :]
    return index, np.take_along_axis(weights, index, axis=1)


def _apply(image: np.ndarray, rows: tuple, cols: tuple) -> np.ndarray:
    """Resizes rows then columns with banded weights, in float32.

    Gathers and weighted sums rather than matrix products: no BLAS threads
    (which slow small products down badly on a busy machine) and the taps
    summed in order, as TensorFlow's kernels do.
    """
    x = np.asarray(image, dtype=np.float32)
    index, weights = rows
    x = np.einsum("oswc,os->owc", x[index], weights)                           # (oh, w, c)
    index, weights = cols
    x = np.einsum("hosc,os->hoc", x[:, index], weights)                        # (oh, ow, c)
    return np.ascontiguousarray(x, dtype=np.float32)


def _area_weights(in_size: int, out_size: int) -> np.ndarray:
    scale = np.float32(in_size) / np.float32(out_size)
    weights = np.zeros((out_size, in_size), np.float32)
    for o in range(out_size):
        x0 = np.float32(o) * scale
        x1 = np.float32(o + 1) * scale
        start = int(np.floor(x0))
        end = int(np.ceil(x1))
        for i in range(start, end):
            # ResizeArea's weights: the overlap of pixel i with [x0, x1).
            if i == start:
                w = scale if i + 1 > x1 else np.float32(i + 1) - x0
            elif i == end - 1:
                w = x1 - np.float32(i) if i + 1 > x1 else np.float32(1.0)
            else:
                w = np.float32(1.0)
            weights[o, min(i, in_size - 1)] += w
    return weights / scale


def _keys_cubic(x):
    x = np.abs(x)
    return np.where(
        x >= 2.0, 0.0,
        np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0,
                 ((1.5 * x - 2.5) * x) * x + 1.0)).astype(np.float32)


def _scale_and_translate_weights(in_size: int, out_size: int) -> np.ndarray:
    scale = np.float32(out_size) / np.float32(in_size)
    inv_scale = np.float32(1.0) / scale
    kernel_scale = max(inv_scale, np.float32(1.0))  # antialias: widen when downscaling
    radius = np.float32(2.0) * kernel_scale
    weights = np.zeros((out_size, in_size), np.float32)
    for o in range(out_size):
        sample = (np.float32(o) + np.float32(0.5)) * inv_scale
        start = int(np.ceil(sample - radius - np.float32(0.5)))
        end = int(np.floor(sample + radius - np.float32(0.5)))
        start = min(max(start, 0), in_size - 1)
        end = min(max(end, 0), in_size - 1) + 1
        src = np.arange(start, end, dtype=np.float32)
        w = _keys_cubic((src + np.float32(0.5) - sample) / kernel_scale)
        total = w.sum(dtype=np.float32)
        if abs(total) >= 1000.0 * np.finfo(np.float32).tiny:
            weights[o, start:end] = w / total
    return weights


@functools.lru_cache(maxsize=1)
def _bicubic_table() -> np.ndarray:
    # ResizeBicubic's table: entry 2i is k(i/1024), entry 2i+1 is k(i/1024 + 1).
    t = np.arange(_TABLE_SIZE + 1, dtype=np.float64) / _TABLE_SIZE
    table = np.empty(2 * (_TABLE_SIZE + 1), np.float32)
    table[0::2] = ((1.5 * t - 2.5) * t) * t + 1.0
    u = t + 1.0
    table[1::2] = ((-0.5 * u + 2.5) * u - 4.0) * u + 2.0
    return table


def _bicubic_weights(in_size: int, out_size: int) -> np.ndarray:
    table = _bicubic_table()
    scale = np.float32(in_size) / np.float32(out_size)
    weights = np.zeros((out_size, in_size), np.float32)
    for o in range(out_size):
        pos = (np.float32(o) + np.float32(0.5)) * scale - np.float32(0.5)
        loc = int(np.floor(pos))
        offset = int(np.rint((pos - np.float32(loc)) * _TABLE_SIZE))
        taps = {loc - 1: table[offset * 2 + 1], loc: table[offset * 2],
                loc + 1: table[(_TABLE_SIZE - offset) * 2],
                loc + 2: table[(_TABLE_SIZE - offset) * 2 + 1]}
        taps = {i: w for i, w in taps.items() if 0 <= i < in_size}  # out of range: weight 0
        total = np.float32(sum(taps.values()))
        for i, w in taps.items():
            weights[o, i] = w / total if abs(total) >= 1000.0 * np.finfo(np.float32).tiny else w
    return weights


@functools.lru_cache(maxsize=512)
def _taps(weights_fn, in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray]:
    """The (cached) taps of one axis; the dense matrices are not kept."""
    return _band(weights_fn(in_size, out_size))


def resize_area(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`tf.image.resize(image, size, method="area")` for one `(h, w, c)` image.

    Returns:
        float32 `(size[0], size[1], c)`.
    """
    h, w = image.shape[:2]
    return _apply(image, _taps(_area_weights, h, size[0]), _taps(_area_weights, w, size[1]))


def resize_bicubic_antialias(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`tf.image.resize(image, size, method="bicubic", antialias=True)`.

    Returns:
        float32 `(size[0], size[1], c)`.
    """
    h, w = image.shape[:2]
    return _apply(image, _taps(_scale_and_translate_weights, h, size[0]),
                  _taps(_scale_and_translate_weights, w, size[1]))


def resize_bicubic(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`tf.image.resize(image, size, method="bicubic")` (no antialiasing).

    Returns:
        float32 `(size[0], size[1], c)`.
    """
    h, w = image.shape[:2]
    return _apply(image, _taps(_bicubic_weights, h, size[0]), _taps(_bicubic_weights, w, size[1]))


__all__ = ["crop_box", "decode_image", "quantize", "resize_area", "resize_bicubic",
           "resize_bicubic_antialias", "to_unit_range"]
