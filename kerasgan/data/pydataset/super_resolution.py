"""`SuperResolutionPyDataset`: `kerasgan.data.super_resolution` as a PyDataset (no TensorFlow)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from kerasgan.data.pydataset import ops
from kerasgan.data.pydataset.base import AUGMENT, SeededPyDataset
from kerasgan.data.pydataset.cache import ImageCache, cache_key
from kerasgan.data.super_resolution import check_sr_args, select_hr_images


def upsized_shape(h: int, w: int, hr_patch: int) -> tuple[int, int]:
    """The `(h, w)` an image smaller than `hr_patch` is upsized to (as the tf.data path)."""
    short = min(h, w)
    if short >= hr_patch:
        return h, w
    factor = np.float32(hr_patch) / np.float32(short)
    return (max(hr_patch, int(np.ceil(np.float32(h) * factor))),
            max(hr_patch, int(np.ceil(np.float32(w) * factor))))


def load_hr(path: str, hr_patch: int, upsize: bool) -> np.ndarray:
    """Decodes one HR image as RGB uint8, upsized (bicubic) if shorter than `hr_patch`."""
    image = ops.decode_image(path, 3)
    if upsize:
        size = upsized_shape(image.shape[0], image.shape[1], hr_patch)
        if size != image.shape[:2]:
            image = ops.quantize(ops.resize_bicubic(image, size))
    return image


def make_pair_numpy(hr_uint8: np.ndarray, scale: int, hr_patch: int, augment: bool,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One random uint8 `(lr, hr)` training pair, as `kerasgan.data.make_pair`.

    A random `hr_patch` crop, with `augment` a random left-right flip then a
    rotation by a random multiple of 90° (counter-clockwise, as
    `tf.image.rot90`), and its LR by antialiased bicubic downsampling by
    `scale`, rounded to uint8.
    """
    h, w = hr_uint8.shape[:2]
    top = int(rng.integers(0, h - hr_patch + 1))
    left = int(rng.integers(0, w - hr_patch + 1))
    hr = hr_uint8[top:top + hr_patch, left:left + hr_patch]
    if augment:
        if rng.random() < 0.5:
            hr = hr[:, ::-1]
        hr = np.rot90(hr, int(rng.integers(0, 4)))
    side = hr_patch // scale
    lr = ops.quantize(ops.resize_bicubic_antialias(hr, (side, side)))
    return lr, np.ascontiguousarray(hr)


class SuperResolutionPyDataset(SeededPyDataset):
    """`(lr, hr)` training batches in [-1, 1], the PyDataset twin of `super_resolution`.

    The same pairs as the tf.data pipeline: random HR patches, flipped and
    rotated, and their LR by antialiased bicubic downsampling (the same
    kernel as `tf.image.resize`, rounded to uint8). An epoch visits each image
    `patches_per_image` times, in an order shuffled over all its patches.
    Batch `index` of epoch `epoch` is a function of `(seed, epoch, index)`.

    Args:
        hr_folder, scale, hr_patch, batch_size, shuffle, seed, augment, small,
        patches_per_image, drop_remainder: As in
            `kerasgan.data.super_resolution`.
        cache: True (decode every HR image once, now, into memory), a path
            prefix (`<prefix>.npy`, reused by later runs) or False (decode in
            the workers, every batch).
        repeat: Infinite (`ds[n]` is batch `n % len(ds)` of epoch
            `n // len(ds)`); pass `steps_per_epoch` to `fit`.
        workers, use_multiprocessing, max_queue_size: Of `keras.utils.PyDataset`.

    Example:
    ```python
    ds = kerasgan.data.SuperResolutionPyDataset("DIV2K_train_HR/", hr_patch=96, batch_size=16,
                                                seed=0, repeat=True)
    srgan.fit(ds, steps_per_epoch=1000, epochs=100)
    ```
    """

    def __init__(self, hr_folder: str, scale: int = 4, hr_patch: int = 96, batch_size: int = 16,
                 shuffle: bool = True, seed: int | None = None, cache: bool | str = True,
                 repeat: bool = False, augment: bool = True, small: str = "skip",
                 patches_per_image: int = 1, drop_remainder: bool = True,
                 workers: int | None = None, use_multiprocessing: bool = False,
                 max_queue_size: int = 10):
        check_sr_args(scale, hr_patch, batch_size, small)
        files, sizes = select_hr_images(hr_folder, hr_patch, small, batch_size,
                                        patches_per_image, drop_remainder, repeat)
        self.hr_folder = hr_folder
        self.scale = int(scale)
        self.hr_patch = int(hr_patch)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.augment = bool(augment)
        self.small = small
        self.patches_per_image = max(1, int(patches_per_image))
        self.drop_remainder = bool(drop_remainder)
        self.cache = cache
        super().__init__(1, seed=seed, repeat=repeat, workers=workers,
                         use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size)
        upsize = small == "upsize"
        shapes = [upsized_shape(h, w, self.hr_patch) + (3,) if upsize else (h, w, 3)
                  for h, w in sizes]
        key = cache_key(files, kind="super_resolution", hr_patch=self.hr_patch,
                        upsize=upsize) if isinstance(cache, str) else ""
        self.images = ImageCache(files, functools.partial(load_hr, hr_patch=self.hr_patch,
                                                          upsize=upsize),
                                 cache=cache, shapes=shapes, workers=self.workers, key=key)
        n = len(self.images) * self.patches_per_image
        if self.drop_remainder:
            steps = n // self.batch_size
        else:
            steps = -(-n // self.batch_size)
        if steps < 1 and not self.repeat:  # images that failed to decode can leave too few
            raise ValueError(f"{hr_folder!r} gives {n} patches per epoch, fewer than one batch "
                             f"of {self.batch_size}; lower batch_size or raise patches_per_image.")
        # Repeated, a batch may cycle through fewer patches than it holds.
        self.steps_per_epoch = max(1, steps)

    def get_batch(self, epoch: int, index: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.images) * self.patches_per_image
        start = index * self.batch_size
        stop = start + self.batch_size
        if not self.repeat or n >= self.batch_size:
            stop = min(stop, n)  # an incomplete last batch (drop_remainder=False)
        ids = self.samples(n, epoch, start, stop, self.shuffle)
        rng = self.rng(AUGMENT, epoch, index)
        pairs = [make_pair_numpy(self.images[int(i) // self.patches_per_image], self.scale,
                                 self.hr_patch, self.augment, rng) for i in ids]
        lr = ops.to_unit_range(np.stack([p[0] for p in pairs]))
        hr = ops.to_unit_range(np.stack([p[1] for p in pairs]))
        return lr, hr

    def get_config(self) -> dict[str, Any]:
        return {"hr_folder": self.hr_folder, "scale": self.scale, "hr_patch": self.hr_patch,
                "batch_size": self.batch_size, "shuffle": self.shuffle, "cache": self.cache,
                "augment": self.augment, "small": self.small,
                "patches_per_image": self.patches_per_image,
                "drop_remainder": self.drop_remainder, **super().get_config()}


__all__ = ["SuperResolutionPyDataset", "make_pair_numpy", "upsized_shape"]
