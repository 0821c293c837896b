"""`upscale_images`: run a super-resolution network on uint8 images of any size.

Large images are cut into overlapping tiles: each tile is run with `overlap`
pixels of real context on every side (where the image has them) and only its
centre is kept ("centre-crop stitching"). For a convolutional network whose
receptive-field radius is within `overlap` LR pixels, every output pixel then
sees exactly the input it would see on the whole image, so tiled and untiled
outputs agree up to float rounding and no seams appear.

Memory is bounded by the tile, not the image: each tile's centre is converted
to uint8 and written in place into the uint8 output, so the only buffer that
grows with the input is the output itself (3 bytes per output pixel); float
activations exist for one batch of tiles at a time (and, with
`self_ensemble`, the float sum of the 8 passes over that batch). Tiles run
through Keras's compiled predict function, which frees activations as the
forward pass goes (the eager call holds all of them). See
`bench/upscale_memory.py` for peak RSS against input size.

The shipped `srresnet_x4`/`srgan_x4` (8 residual blocks) have a receptive-field
radius of about 24 LR pixels: on 160x200 crops of two Set14 images with
48-pixel tiles, tiled and untiled outputs are identical at the default
`overlap=24`, differ by at most one grey level (in 1-25 of 480,000 values) at
16, and by up to 141 without overlap. The paper's SRResNet-16 has a
theoretical radius of about 40 LR pixels but a much smaller effective one: on
a random-init SRResNet-16 (a 96x96 LR crop, 32-pixel tiles) tiled and untiled
outputs differ by at most 2 grey levels at `overlap=16` and at most 1 at
`overlap=24`, versus 58 without overlap.
"""

from __future__ import annotations

import sys

import numpy as np
from keras import ops

from kerasgan.utils.images import to_uint8

#: Tile side (LR pixels) when `tile="auto"` tiles.
AUTO_TILE = 128
#: Default context around each tile, in LR pixels.
DEFAULT_OVERLAP = 24
#: Images with more LR pixels than one tile with its context (176x176) are
#: tiled when `tile="auto"`: an untiled image runs as one eager call, whose
#: activations grow with it.
AUTO_TILE_PIXELS = (AUTO_TILE + 2 * DEFAULT_OVERLAP) ** 2


def _starts(n: int, tile: int) -> list[int]:
    if n <= tile:
        return [0]
    starts = list(range(0, n - tile, tile))
    return starts + [n - tile]


def _to_rgb(image: np.ndarray, channels: int) -> np.ndarray:
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3:
        raise ValueError(f"Expected an image (h, w, c); received shape {image.shape}.")
    c = image.shape[-1]
    if c == channels:
        return image
    if c == 1 and channels == 3:
        return np.repeat(image, 3, axis=-1)
    if c == 4 and channels == 3:  # RGBA: drop alpha
        return image[..., :3]
    raise ValueError(f"Expected images with {channels} channels; received {c}.")


def _check_uint8(image: np.ndarray):
    if image.dtype != np.uint8:
        raise TypeError(
            f"upscale takes uint8 images in [0, 255]; received dtype {image.dtype}. "
            "Convert floats in [-1, 1] with kerasgan.utils.images.to_uint8."
        )


def _run(network, batch: np.ndarray, compiled: bool = False) -> np.ndarray:
    """`network` on a uint8 batch -> float32 in [-1, 1].

    `compiled` runs Keras's compiled predict function (a `tf.function` or
    `jax.jit`), which frees each activation as soon as it is used; the
    eager call keeps every activation of the forward pass until it returns
    (about twice the peak memory on SRResNet tiles) but needs no tracing.
    """
    x = batch.astype("float32") / 127.5 - 1.0
    predict = getattr(network, "predict_on_batch", None) if compiled else None
    y = predict(x) if predict is not None else network(x, training=False)
    return np.asarray(ops.convert_to_numpy(y), dtype="float32")


def _run_ensemble(network, batch: np.ndarray, compiled: bool = False) -> np.ndarray:
    """Mean of the outputs for the 8 flips/rotations of each image, each mapped back."""
    total = None
    for k in range(4):
        for flip in (False, True):
            x = np.rot90(batch, k, axes=(1, 2))
            x = x[:, :, ::-1] if flip else x
            y = _run(network, np.ascontiguousarray(x), compiled)
            y = y[:, :, ::-1] if flip else y
            y = np.rot90(y, -k, axes=(1, 2))
            if total is None:
                total = np.array(y, dtype="float32")
            else:
                total += y
    return total / 8.0


def _tile_jobs(h: int, w: int, tile: int, overlap: int):
    """`(y0, x0, ch, cw, wy, wx)` per tile; every window is `win_h x win_w`."""
    win_h, win_w = min(h, tile + 2 * overlap), min(w, tile + 2 * overlap)
    jobs = []
    for y0 in _starts(h, tile):
        for x0 in _starts(w, tile):
            wy = int(np.clip(y0 - overlap, 0, h - win_h))
            wx = int(np.clip(x0 - overlap, 0, w - win_w))
            jobs.append((y0, x0, min(tile, h - y0), min(tile, w - x0), wy, wx))
    return jobs, win_h, win_w


def _tile_bar(total: int, progress: bool | None, desc: str):
    if progress is False or total <= 1:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is optional here
        return None
    return tqdm(total=total, desc=desc, unit="tile", file=sys.stderr,
                disable=None if progress is None else False, leave=False)


def _upscale_one(network, image: np.ndarray, scale: int, tile, overlap: int,
                 batch_size: int, self_ensemble: bool, progress: bool | None) -> np.ndarray:
    """One uint8 `(h, w, c)` image -> uint8 `(s*h, s*w, c_out)`."""
    run = _run_ensemble if self_ensemble else _run
    h, w = image.shape[:2]
    if tile == "auto":
        tile = AUTO_TILE if h * w > AUTO_TILE_PIXELS else None
    if tile is None or (h <= tile and w <= tile):
        return to_uint8(run(network, image[None]))[0]
    jobs, win_h, win_w = _tile_jobs(h, w, int(tile), overlap)
    s = scale
    out = None
    bar = _tile_bar(len(jobs), progress, f"upscaling {w}x{h}")
    try:
        for start in range(0, len(jobs), batch_size):
            chunk = jobs[start:start + batch_size]
            windows = np.stack([image[wy:wy + win_h, wx:wx + win_w]
                                for *_, wy, wx in chunk])
            results = run(network, windows, compiled=True)
            del windows
            if out is None:
                out = np.empty((h * s, w * s, results.shape[-1]), dtype=np.uint8)
            for (y0, x0, ch, cw, wy, wx), res in zip(chunk, results):
                oy, ox = (y0 - wy) * s, (x0 - wx) * s
                out[y0 * s:(y0 + ch) * s, x0 * s:(x0 + cw) * s] = to_uint8(
                    res[oy:oy + ch * s, ox:ox + cw * s])
            del results
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    return out


def upscale_images(network, images, scale: int, tile: int | str | None = "auto",
                   overlap: int = DEFAULT_OVERLAP, batch_size: int | None = None,
                   channels: int = 3,
                   self_ensemble: bool = False, progress: bool | None = None):
    """Super-resolves uint8 images with `network` (float [-1, 1] in and out).

    Args:
        network: A Keras model `(b, h, w, c)` -> `(b, scale*h, scale*w, c)`.
        images: One uint8 image `(h, w, c)` (or `(h, w)`), a batch
            `(n, h, w, c)`, or a list of images of different sizes.
            Grayscale is repeated to RGB and RGBA loses its alpha channel.
        scale: The network's upscaling factor.
        tile: Tile side in LR pixels; None runs whole images; `"auto"` (the
            default) tiles with 128-pixel tiles when an image has more LR
            pixels than one tile with its context (176x176 by default).
        overlap: Context in LR pixels around every tile (kept only as
            context: centre-crop stitching). Tiled output equals untiled
            output (to one grey level) when it covers the network's
            receptive-field radius.
        batch_size: Untiled images, or tiles of one image, per forward pass
            (default: 8 images, 1 tile). Peak memory grows with it.
        channels: The network's image channels.
        self_ensemble: Average the outputs for the 8 flips and 90° rotations
            of each image (the "geometric self-ensemble" of Timofte et al.
            2016 / EDSR+, Lim et al. 2017): typically a little higher PSNR for
            8x the compute. Off by default. Done tile by tile.
        progress: A progress bar over the tiles of each tiled image, on
            stderr: None (default) when stderr is a terminal and there is more
            than one tile, or True/False.

    Returns:
        uint8 output of the input's structure: `(s*h, s*w, c)`, `(n, s*h, s*w, c)`
        or a list.

    Example:
    ```python
    big = upscale_images(model.generator, photo_uint8, scale=4, tile=128)
    ```
    """
    if tile is not None and tile != "auto" and (not isinstance(tile, (int, np.integer))
                                                or tile < 1):
        raise ValueError(f"tile must be a positive integer, 'auto' or None; received {tile!r}.")
    if not isinstance(overlap, (int, np.integer)) or overlap < 0:
        raise ValueError(f"overlap must be a non-negative integer; received {overlap!r}.")
    tile_batch = 1 if batch_size is None else max(1, int(batch_size))
    batch_size = 8 if batch_size is None else max(1, int(batch_size))

    def one(image):
        image = np.asarray(image)
        _check_uint8(image)
        image = _to_rgb(image, channels)
        if min(image.shape[:2]) < 1:
            raise ValueError(f"Cannot upscale an empty image of shape {image.shape}.")
        return _upscale_one(network, image, scale, tile, int(overlap), tile_batch,
                            self_ensemble, progress)

    if isinstance(images, (list, tuple)):
        return [one(im) for im in images]
    images = np.asarray(images)
    if images.ndim in (2, 3):
        return one(images)
    if images.ndim != 4:
        raise ValueError("upscale takes an image (h, w, c), a batch (n, h, w, c) or a list "
                         f"of images; received an array of shape {images.shape}.")
    _check_uint8(images)
    if len(images) == 0:
        return np.zeros((0, images.shape[1] * scale, images.shape[2] * scale, channels),
                        np.uint8)
    h, w = images.shape[1:3]
    untiled = not self_ensemble and (
        tile is None or (tile == "auto" and h * w <= AUTO_TILE_PIXELS)
        or (tile != "auto" and h <= tile and w <= tile))
    if untiled:
        batch = np.stack([_to_rgb(im, channels) for im in images])
        out = [to_uint8(_run(network, batch[i:i + batch_size]))
               for i in range(0, len(batch), batch_size)]
        return np.concatenate(out, axis=0)
    out = None
    for i, image in enumerate(images):
        result = one(image)
        if out is None:
            out = np.empty((len(images),) + result.shape, dtype=np.uint8)
        out[i] = result
    return out
