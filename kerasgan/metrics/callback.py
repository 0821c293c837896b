"""`FIDCallback`: evaluate FID during `fit` and keep the best weights."""

from __future__ import annotations

import math
import os
from typing import Any

import keras

from kerasgan.metrics.features import FeatureExtractor, get_extractor, iter_features
from kerasgan.metrics.frechet import (FeatureStatistics, RunningStatistics,
                                      compute_statistics, frechet_distance)
from kerasgan.metrics.result import MetricResult

_GENERATE_CHUNK = 1000  # images generated (and held as uint8) at a time


class FIDCallback(keras.callbacks.Callback):
    """Computes FID every `every` epochs and saves the best model's weights.

    The real side is summarised once (on the first `on_train_begin`) into a mean
    and covariance; each evaluation generates `num_samples` images with
    `model.generate` from a fixed seed (in chunks, so memory stays bounded) and
    streams them through the extractor. The value is added to the epoch logs
    as `fid` (`log_name`), so `History`, `CSVLogger`, `EarlyStopping(monitor="fid",
    mode="min")` and TensorBoard see it — list those callbacks *after* this one.
    Like Keras's validation metrics with `validation_freq`, `fid` is only in the
    logs of evaluated epochs (every `every` epochs and the last one); `CSVLogger`
    fixes its columns at the first epoch, so use `every=1` with it.

    Args:
        real_data: Real images (uint8 [0, 255], float [-1, 1], a `tf.data.Dataset`
            or iterable of batches) or precomputed `FeatureStatistics`.
        every: Evaluate every this many epochs (and after the last epoch).
        num_samples: Generated images per evaluation (the `@10k` in `FID@10k`).
        extractor: See `kerasgan.metrics.fid` (default: ImageNet InceptionV3).
        seed: Seed of the generated latents (the same images every evaluation).
        batch_size: Images per extractor forward pass.
        num_real: Use at most this many real images.
        checkpoint_path: If set, `model.save_weights` here whenever FID
            improves; must end in `.weights.h5`; may contain `{epoch}` and
            `{fid}` format fields.
        log_name: Key in the epoch logs.
        verbose: 0 silent, 1 one line per evaluation, 2 also progress bars.

    Example:
    ```python
    fid_cb = kerasgan.metrics.FIDCallback(real_uint8, every=5, num_samples=10_000,
                                          checkpoint_path="best.weights.h5")
    gan.fit(ds, epochs=50, callbacks=[fid_cb, keras.callbacks.CSVLogger("log.csv")])
    fid_cb.best, fid_cb.best_epoch
    ```
    """

    def __init__(self, real_data: Any, every: int = 1, num_samples: int = 10_000,
                 extractor: Any = None, seed: int = 0, batch_size: int = 50,
                 num_real: int | None = None, checkpoint_path: str | None = None,
                 log_name: str = "fid", verbose: int = 1):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be >= 1; received {every}.")
        if num_samples < 2:
            raise ValueError(f"num_samples must be >= 2; received {num_samples}.")
        if checkpoint_path is not None and not str(checkpoint_path).endswith(".weights.h5"):
            raise ValueError(
                f"checkpoint_path must end in '.weights.h5'; received {checkpoint_path!r}."
            )
        self.real_data = real_data
        self.every = int(every)
        self.num_samples = int(num_samples)
        self.extractor = extractor
        self.seed = seed
        self.batch_size = batch_size
        self.num_real = num_real
        self.checkpoint_path = None if checkpoint_path is None else str(checkpoint_path)
        self.log_name = log_name
        self.verbose = verbose
        self.real_statistics: FeatureStatistics | None = (
            real_data if isinstance(real_data, FeatureStatistics) else None)
        self.best = math.inf
        self.best_epoch: int | None = None
        self.best_path: str | None = None
        self.results: list[tuple[int, MetricResult]] = []  # (1-based epoch, result)

    # ------------------------------------------------------------ evaluation
    def _prepare(self) -> None:
        self.extractor = get_extractor(self.extractor)
        if self.real_statistics is None:
            self.real_statistics = compute_statistics(
                self.real_data, self.extractor, self.batch_size, self.num_real,
                verbose=self.verbose > 1, desc="FID real")
        elif self.real_statistics.extractor != self.extractor.name:
            raise ValueError(
                f"real_data statistics were computed with {self.real_statistics.extractor!r} "
                f"but the extractor is {self.extractor.name!r}."
            )

    def _generated_chunks(self):
        model = self.model
        if not hasattr(model, "generate"):
            raise TypeError(
                f"FIDCallback needs a model with generate(num, seed=...); "
                f"{type(model).__name__} has none."
            )
        if hasattr(model, "latents"):  # same images as generate(num_samples, seed), chunked
            latents = model.latents(self.num_samples, self.seed)
            for start in range(0, self.num_samples, _GENERATE_CHUNK):
                chunk = latents[start:start + _GENERATE_CHUNK]
                yield model.generate(len(chunk), latents=chunk)
        else:
            yield model.generate(self.num_samples, seed=self.seed)

    def evaluate(self) -> MetricResult:
        """FID of `num_samples` images from the model against the real statistics."""
        if self.real_statistics is None or not isinstance(self.extractor, FeatureExtractor):
            self._prepare()
        running = RunningStatistics()
        for images in self._generated_chunks():
            for features in iter_features(images, self.extractor, self.batch_size,
                                          verbose=self.verbose > 1, desc="FID generated"):
                running.update(features)
        gen = running.result(self.extractor.name)
        real = self.real_statistics
        value = frechet_distance(real.mean, real.cov, gen.mean, gen.cov)
        return MetricResult("FID", value, real.num_samples, gen.num_samples,
                            self.extractor.name)

    # ------------------------------------------------------------ hooks
    def on_train_begin(self, logs=None):
        self._prepare()

    def on_epoch_end(self, epoch, logs=None):
        epochs = self.params.get("epochs") if self.params else None
        if (epoch + 1) % self.every != 0 and epoch + 1 != epochs:
            return
        result = self.evaluate()
        self.results.append((epoch + 1, result))
        if logs is not None:
            logs[self.log_name] = result.value
        improved = result.value < self.best
        note = ""
        if improved:
            self.best, self.best_epoch = result.value, epoch + 1
            note = " (best)"
            if self.checkpoint_path:
                path = self.checkpoint_path.format(epoch=epoch + 1, fid=result.value)
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
                self.model.save_weights(path)
                self.best_path = path
                note = f" (best; weights saved to {path})"
        if self.verbose:
            print(f"Epoch {epoch + 1}: {result}{note}")
