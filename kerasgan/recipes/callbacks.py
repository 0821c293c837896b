"""Callbacks the recipes share: `Throughput`, `TimeLimit` and `TranslationGrid`."""

from __future__ import annotations

import inspect
import os
import time

import keras
import numpy as np

from kerasgan.utils.images import make_grid, save_image, to_uint8


class Throughput(keras.callbacks.Callback):
    """Times the training steps of `fit`, the first one (tracing, compilation) apart.

    Args:
        batch_size: Images (or patches, or image pairs) per step.

    Example:
    ```python
    timer = Throughput(batch_size=64)
    gan.fit(ds, epochs=1, callbacks=[timer])
    print(timer.summary())  # {"steps": ..., "sec_per_step": ..., "images_per_s": ...}
    ```
    """

    def __init__(self, batch_size: int):
        super().__init__()
        self.batch_size = int(batch_size)
        self.times: list[float] = []
        self._start = None

    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter() - self._start)

    def summary(self) -> dict:
        """Steps timed, the first step's seconds, and the steady rate after it.

        Returns:
            `{"steps", "first_step_s", "sec_per_step", "steps_per_s",
            "images_per_s"}`; the rates are None when no step ran.
        """
        if not self.times:  # e.g. a resumed run with nothing left to train
            return {"steps": 0, "first_step_s": None, "sec_per_step": None,
                    "steps_per_s": None, "images_per_s": None}
        steady = self.times[1:] or self.times
        sec = sum(steady) / len(steady)
        return {"steps": len(self.times), "first_step_s": round(self.times[0], 4),
                "sec_per_step": sec, "steps_per_s": 1 / sec if sec else None,
                "images_per_s": self.batch_size / sec if sec else None}


class TimeLimit(keras.callbacks.Callback):
    """Ends `fit` before a time budget runs out, at an epoch end when it can.

    After each epoch, training stops if another epoch as long as the last
    one would end past the budget; callbacks listed before this one (a
    backup) have handled that epoch's end as usual. If the budget runs out
    inside an epoch, training stops after the step in progress, mid-epoch.

    Args:
        seconds: The budget.
        start: `time.time()` the budget counts from (default: now).

    Example:
    ```python
    gan.fit(ds, epochs=100, callbacks=[backup, TimeLimit(8 * 60)])  # done within ~8 min
    ```
    """

    def __init__(self, seconds: float, start: float | None = None):
        super().__init__()
        if seconds <= 0:
            raise ValueError(f"seconds must be positive; received {seconds}.")
        self.seconds = float(seconds)
        self.start = time.time() if start is None else float(start)
        self.stopped = False
        self._epoch_start = None

    def _stop(self, why: str) -> None:
        self.stopped = self.model.stop_training = True
        print(f"TimeLimit ({self.seconds:g} s): {why}; ending training.")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if not self.stopped and time.time() - self.start > self.seconds:
            self._stop("the budget ran out mid-epoch")

    def on_epoch_end(self, epoch, logs=None):
        now = time.time()
        last = epoch + 1 >= (self.params or {}).get("epochs", float("inf"))
        if (not self.stopped and not last
                and now + (now - self._epoch_start) - self.start > self.seconds):
            self._stop(f"another epoch would end after it (epoch {epoch + 1} took "
                       f"{now - self._epoch_start:.0f} s)")


def first_images(folder: str, image_size: int, count: int) -> np.ndarray:
    """uint8 `(n, s, s, 3)`: the first `count` images of `folder` by name, centre-cropped.

    Empty (`n = 0`) when the folder does not exist. Needs no TensorFlow.
    """
    from kerasgan.data import image_folder, list_images

    if not os.path.isdir(folder) or count < 1:
        return np.zeros((0, image_size, image_size, 3), np.uint8)
    n = min(count, len(list_images(folder)))
    batch = image_folder(folder, image_size, n, shuffle=False, pipeline="pydataset", workers=1)
    return to_uint8(batch[0])


class TranslationGrid(keras.callbacks.Callback):
    """Writes fixed images of both domains and their translations every epoch.

    Rows alternate input / translation: domain A then A -> B, domain B then
    B -> A. Works with any model that has `translate(images, direction)`.

    Args:
        directory: Where `epoch_0001.png`, ... are written.
        images_a: uint8 `(n, h, w, c)` images of domain A (may be empty).
        images_b: uint8 images of domain B (may be empty).
        every: Write every this many epochs.

    Example:
    ```python
    model.fit(ds, epochs=20, callbacks=[TranslationGrid("samples/", cats, dogs)])
    ```
    """

    def __init__(self, directory: str, images_a, images_b, every: int = 1):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be >= 1; received {every}.")
        self.directory, self.every = directory, every
        self.images_a, self.images_b = np.asarray(images_a), np.asarray(images_b)
        if not len(self.images_a) and not len(self.images_b):
            raise ValueError("TranslationGrid needs images of at least one domain; "
                             "received none for both.")

    @classmethod
    def from_folders(cls, directory: str, folder_a: str, folder_b: str, image_size: int,
                     count: int, every: int = 1) -> "TranslationGrid":
        """A grid of the first `count` images (by name) of each folder, centre-cropped.

        A missing folder contributes no images.
        """
        return cls(directory, first_images(folder_a, image_size, count),
                   first_images(folder_b, image_size, count), every=every)

    def _translate(self, images, direction):
        # The grid's images are already the training framing: no face search.
        if "crop" in inspect.signature(self.model.translate).parameters:
            return self.model.translate(images, direction=direction, crop="none")
        return self.model.translate(images, direction=direction)

    def write(self, epoch: int) -> str:
        """Writes the grid for `epoch` (1-based) and returns its path."""
        rows = []
        for images, direction in ((self.images_a, "a2b"), (self.images_b, "b2a")):
            if len(images):
                rows += [images, self._translate(images, direction)]
        grid = make_grid(np.concatenate(rows),
                         ncols=max(len(self.images_a), len(self.images_b)))
        return save_image(os.path.join(self.directory, f"epoch_{epoch:04d}.png"), grid)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.write(epoch + 1)
