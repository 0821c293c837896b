"""`UnpairedPyDataset`: `kerasgan.data.unpaired` as a PyDataset (no TensorFlow)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from kerasgan.data.image_folder import list_images
from kerasgan.data.pydataset import ops
from kerasgan.data.pydataset.base import AUGMENT, SeededPyDataset
from kerasgan.data.pydataset.cache import ImageCache, cache_key
from kerasgan.data.unpaired import check_unpaired_args, resolve_folders

_DOMAINS = ("a", "b")


def load_resized(path: str, size: int, channels: int) -> np.ndarray:
    """Decodes one image and resizes it whole (bicubic, antialiased) to uint8 `(size, size, c)`."""
    image = ops.decode_image(path, channels)
    return ops.quantize(ops.resize_bicubic_antialias(image, (size, size)))


class UnpairedPyDataset(SeededPyDataset):
    """Unpaired batches `(images_a, images_b)` in [-1, 1], the PyDataset twin of `unpaired`.

    The same pipeline as the tf.data one, on folders: each image is resized
    (bicubic, antialiased, rounded to uint8) to `load_size`, randomly cropped
    to `image_size` and randomly flipped. An epoch is `max(len_a, len_b) //
    batch_size` batches; within it, domain X's `p`-th image is element
    `p % len_x` of pass `p // len_x` over that domain, each pass shuffled on
    its own, so the larger domain is seen once and the smaller one cycled.
    Batch `index` of epoch `epoch` is a function of `(seed, epoch, index)`.

    Args:
        domain_a, domain_b, split, image_size, load_size, batch_size, jitter,
        flip, shuffle, seed, channels: As in `kerasgan.data.unpaired`
            (folders only; tfds sources need TensorFlow).
        cache: False (decode in the workers, every batch), True (decode both
            domains once, now, into memory as uint8) or a path prefix
            (`<prefix>_a.npy`, `<prefix>_b.npy`, reused by later runs).
        repeat: Infinite (`ds[n]` is batch `n % len(ds)` of epoch
            `n // len(ds)`); pass `steps_per_epoch` to `fit`.
        workers, use_multiprocessing, max_queue_size: Of `keras.utils.PyDataset`.

    Example:
    ```python
    ds = kerasgan.data.UnpairedPyDataset("cats/", "dogs/", image_size=128, load_size=143,
                                         seed=0, cache=True)
    cyclegan.fit(ds, epochs=100)
    ```
    """

    def __init__(self, domain_a, domain_b=None, image_size: int = 256,
                 load_size: int | None = 286, batch_size: int = 1, split: str = "train",
                 jitter: bool = True, flip: bool = True, shuffle: bool = True,
                 seed: int | None = None, cache: bool | str = False, repeat: bool = False,
                 channels: int = 3, workers: int | None = None,
                 use_multiprocessing: bool = False, max_queue_size: int = 10):
        load_size = check_unpaired_args(image_size, load_size, batch_size, channels)
        folders = resolve_folders(domain_a, domain_b, split)
        self.domain_a, self.domain_b = folders
        self.image_size = int(image_size)
        self.load_size = int(load_size)
        self.batch_size = int(batch_size)
        self.jitter = bool(jitter)
        self.flip = bool(flip)
        self.shuffle = bool(shuffle)
        self.channels = int(channels)
        self.cache = cache
        super().__init__(1, seed=seed, repeat=repeat, workers=workers,
                         use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size)
        self.size = self.load_size if self.jitter else self.image_size
        load = functools.partial(load_resized, size=self.size, channels=self.channels)
        self.domains = []
        for name, folder in zip(_DOMAINS, folders):
            files = list_images(folder)
            path = f"{cache}_{name}" if isinstance(cache, str) else cache
            key = cache_key(files, kind="unpaired", size=self.size,
                            channels=self.channels) if isinstance(cache, str) else ""
            self.domains.append(ImageCache(files, load, cache=path,
                                           shapes=(self.size, self.size, self.channels),
                                           workers=self.workers, key=key))
        len_a, len_b = (len(d) for d in self.domains)
        steps = max(len_a, len_b) // self.batch_size
        if steps < 1 and not self.repeat:
            raise ValueError(
                f"The domains hold {len_a} and {len_b} images, fewer than one batch of "
                f"{self.batch_size}; lower batch_size."
            )
        # Repeated, a batch may cycle through a domain smaller than it.
        self.steps_per_epoch = max(1, steps)

    def _crops(self, images: ImageCache, salt: int, epoch: int, index: int,
               rng: np.random.Generator) -> np.ndarray:
        n, b = len(images), self.batch_size
        ids = self.samples(n, epoch, index * b, (index + 1) * b, self.shuffle, salt)
        s = self.image_size
        offsets = rng.integers(0, self.size - s + 1, size=(b, 2))
        flips = rng.random(b) < 0.5
        batch = np.empty((b, s, s, self.channels), np.uint8)
        for k, i in enumerate(ids):
            image = images[int(i)]
            top, left = (offsets[k] if self.jitter else (0, 0))
            crop = image[top:top + s, left:left + s]
            batch[k] = crop[:, ::-1] if self.flip and flips[k] else crop
        return ops.to_unit_range(batch)

    def get_batch(self, epoch: int, index: int) -> tuple[np.ndarray, np.ndarray]:
        rng = self.rng(AUGMENT, epoch, index)
        return tuple(self._crops(images, salt, epoch, index, rng)
                     for salt, images in enumerate(self.domains, start=1))

    def get_config(self) -> dict[str, Any]:
        return {"domain_a": self.domain_a, "domain_b": self.domain_b,
                "image_size": self.image_size, "load_size": self.load_size,
                "batch_size": self.batch_size, "jitter": self.jitter, "flip": self.flip,
                "shuffle": self.shuffle, "cache": self.cache, "channels": self.channels,
                **super().get_config()}


__all__ = ["UnpairedPyDataset", "load_resized"]
