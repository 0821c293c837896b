"""`SampleGrid`: look at what the generator makes while it trains."""

from __future__ import annotations

import os

import keras

from kerasgan.utils.images import make_grid, save_image
from kerasgan.utils.optional import require_tensorflow


@keras.saving.register_keras_serializable(package="kerasgan")
class SampleGrid(keras.callbacks.Callback):
    """Writes a PNG grid of generated images every `every` epochs.

    The latent batch is fixed (from `seed`), so successive grids show the same
    samples evolving. Works with any model that has `generate(num, seed=...)`.

    Args:
        directory: Where `epoch_0001.png`, ... are written.
        num: Images per grid.
        seed: Seed of the fixed latent batch.
        every: Write every this many epochs (and after the last one).
        log_dir: Also log the grid to TensorBoard in this directory.

    Example:
    ```python
    gan.fit(ds, epochs=20, callbacks=[kerasgan.callbacks.SampleGrid("samples/")])
    ```
    """

    def __init__(self, directory: str, num: int = 64, seed: int = 0, every: int = 1,
                 log_dir: str | None = None):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be >= 1; received {every}.")
        self.directory = directory
        self.num = num
        self.seed = seed
        self.every = every
        self.log_dir = log_dir
        if log_dir:
            # tf.summary writes the images: TensorBoard logging needs both.
            require_tensorflow("SampleGrid(log_dir=...) (TensorBoard images; or drop log_dir)")
            try:
                import tensorboard  # noqa: F401
            except ImportError as err:
                raise ImportError(
                    "SampleGrid(log_dir=...) logs to TensorBoard, which is not "
                    "installed: pip install tensorboard (or drop log_dir)."
                ) from err
        self._writer = None
        self.last_path = None

    def write(self, epoch: int) -> str:
        """Writes the grid for `epoch` (1-based) and returns its path."""
        images = self.model.generate(self.num, seed=self.seed)
        grid = make_grid(images)
        path = os.path.join(self.directory, f"epoch_{epoch:04d}.png")
        save_image(path, grid)
        self.last_path = path
        if self.log_dir:
            tf = require_tensorflow("SampleGrid(log_dir=...)")

            if self._writer is None:
                self._writer = tf.summary.create_file_writer(self.log_dir)
            with self._writer.as_default():
                tf.summary.image("samples", grid[None], step=epoch)
            self._writer.flush()
        return path

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.write(epoch + 1)

    def on_train_end(self, logs=None):
        epochs = self.params.get("epochs") if self.params else None
        if epochs and epochs % self.every != 0:
            self.write(epochs)

    def get_config(self):
        return {"directory": self.directory, "num": self.num, "seed": self.seed,
                "every": self.every, "log_dir": self.log_dir}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
