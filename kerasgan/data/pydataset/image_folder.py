"""`ImageFolderPyDataset`: `kerasgan.data.image_folder` as a PyDataset (no TensorFlow)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from kerasgan.data.image_folder import check_image_folder_args, list_images
from kerasgan.data.pydataset import ops
from kerasgan.data.pydataset.base import AUGMENT, SeededPyDataset
from kerasgan.data.pydataset.cache import ImageCache, cache_key


def load_square(path: str, image_size: int, crop, channels: int) -> np.ndarray:
    """Decodes, crops (`crop`) and area-resizes one image to uint8 `(s, s, c)`."""
    image = ops.decode_image(path, channels)
    top, left, h, w = ops.crop_box(image.shape[0], image.shape[1], crop)
    image = image[top:top + h, left:left + w]
    return ops.quantize(ops.resize_area(image, (image_size, image_size)))


class ImageFolderPyDataset(SeededPyDataset):
    """Batches of a folder's images in [-1, 1], the PyDataset twin of `image_folder`.

    Same images, crop, resize (area) and flips as the tf.data pipeline; the
    resized images are rounded to uint8 levels (what the cache holds), so
    pixels differ from the tf.data pipeline's by at most 0.5/127.5. Batch
    `index` of epoch `epoch` is a function of `(seed, epoch, index)` only.

    Args:
        path, image_size, batch_size, crop, shuffle, seed, drop_remainder,
        channels, augment_flip: As in `kerasgan.data.image_folder`.
        cache: False (decode in the workers, every batch), True (decode
            every image once, now, into memory as uint8) or a path prefix
            (`<prefix>.npy` memory-mapped, reused by later runs).
        repeat: Infinite (`ds[n]` is batch `n % len(ds)` of epoch
            `n // len(ds)`); pass `steps_per_epoch` to `fit`.
        workers, use_multiprocessing, max_queue_size: Of `keras.utils.PyDataset`.

    Returns batches of float32 `(batch, image_size, image_size, channels)`.

    Example:
    ```python
    ds = kerasgan.data.ImageFolderPyDataset("faces/", 64, 128, seed=0, cache=True)
    gan.fit(ds, epochs=20)
    ```
    """

    def __init__(self, path: str, image_size: int, batch_size: int, crop="center",
                 shuffle: bool = True, seed: int | None = None, cache: bool | str = False,
                 drop_remainder: bool = True, repeat: bool = False, channels: int = 3,
                 augment_flip: bool = False, workers: int | None = None,
                 use_multiprocessing: bool = False, max_queue_size: int = 10):
        check_image_folder_args(image_size, batch_size, channels)
        ops.crop_box(8, 8, crop)  # validates crop
        files = list_images(path)
        self.path = path
        self.image_size = int(image_size)
        self.batch_size = int(batch_size)
        self.crop = crop
        self.shuffle = bool(shuffle)
        self.drop_remainder = bool(drop_remainder)
        self.channels = int(channels)
        self.augment_flip = bool(augment_flip)
        self.cache = cache
        load = functools.partial(load_square, image_size=self.image_size, crop=crop,
                                 channels=self.channels)
        super().__init__(1, seed=seed, repeat=repeat, workers=workers,
                         use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size)
        key = cache_key(files, kind="image_folder", image_size=self.image_size, crop=crop,
                        channels=self.channels) if isinstance(cache, str) else ""
        self.images = ImageCache(files, load, cache=cache,
                                 shapes=(self.image_size, self.image_size, self.channels),
                                 workers=self.workers, key=key)
        n = len(self.images)
        check_batches(n, self.batch_size, self.drop_remainder, path)
        self.steps_per_epoch = n // self.batch_size if self.drop_remainder \
            else -(-n // self.batch_size)

    @property
    def files(self) -> list[str]:
        """The image files, in the order of `self.images`."""
        return self.images.items if self.images._valid is None else [
            self.images.items[j] for j in self.images._valid]

    def get_batch(self, epoch: int, index: int) -> np.ndarray:
        n = len(self.images)
        start = index * self.batch_size
        ids = self.samples(n, epoch, start, min(start + self.batch_size, n), self.shuffle)
        batch = np.stack([self.images[int(i)] for i in ids])
        if self.augment_flip:
            flips = self.rng(AUGMENT, epoch, index).random(len(ids)) < 0.5
            batch[flips] = batch[flips, :, ::-1]
        return ops.to_unit_range(batch)

    def get_config(self) -> dict[str, Any]:
        return {"path": self.path, "image_size": self.image_size, "batch_size": self.batch_size,
                "crop": self.crop, "shuffle": self.shuffle, "cache": self.cache,
                "drop_remainder": self.drop_remainder, "channels": self.channels,
                "augment_flip": self.augment_flip, **super().get_config()}


def check_batches(n: int, batch_size: int, drop_remainder: bool, path) -> None:
    if drop_remainder and n < batch_size:
        raise ValueError(
            f"{path!r} holds {n} readable images, fewer than one batch of {batch_size}; "
            "lower batch_size or pass drop_remainder=False."
        )


__all__ = ["ImageFolderPyDataset", "load_square"]
