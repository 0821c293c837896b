"""`resumable_dataset`: the training data as one stream of batches that starts at a global step.

The stream's `n`-th batch is the one global step `n` trains on, so a run
resumed at step `n` sees exactly the batches an uninterrupted run would have
seen from there on. Sources: tf.data pipelines (or functions building them)
and Keras PyDatasets (or functions building them; see `pydataset_stream`).
"""

from __future__ import annotations

import inspect
import sys
from typing import Any, Callable

import keras
import numpy as np

from kerasgan.callbacks.resume.pydataset_stream import pydataset_stream


def _tf():
    try:
        import tensorflow as tf
    except ImportError as err:  # JAX/PyTorch installs without TensorFlow
        raise ImportError(
            "kerasgan.callbacks.resumable_dataset builds a tf.data pipeline from this "
            "source and needs TensorFlow: pip install tensorflow. Without it, pass a "
            "keras.utils.PyDataset (e.g. kerasgan.data.image_folder(..., "
            "pipeline='pydataset')) or a function returning one."
        ) from err
    return tf


def _is_tf_dataset(source) -> bool:
    if "tensorflow" not in sys.modules:  # a tf.data.Dataset implies TensorFlow is loaded
        return False
    import tensorflow as tf

    return isinstance(source, tf.data.Dataset)


def source_kind(source) -> str:
    """The kind of `source`: `"pydataset"`, `"dataset"` (tf.data), `"stream"` or `"epoch"`."""
    if isinstance(source, keras.utils.PyDataset):
        return "pydataset"
    if _is_tf_dataset(source):
        return "dataset"
    if callable(source):
        try:
            params = inspect.signature(source).parameters.values()
        except (TypeError, ValueError):  # some builtins have no signature
            params = None
        if params is not None:
            required = [p for p in params if p.default is p.empty and p.kind in
                        (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            if len(required) == 0:
                return "stream"
            if len(required) == 1:
                return "epoch"
    raise TypeError(
        "source must be a function make_stream() or make_epoch(epoch) returning a "
        "tf.data.Dataset, a function make_stream() returning a keras.utils.PyDataset, "
        f"a tf.data.Dataset or a keras.utils.PyDataset; received {source!r}."
    )


def _require_dataset(ds, what: str):
    if isinstance(ds, keras.utils.PyDataset):
        raise TypeError(
            f"{what} returned a PyDataset; only make_stream() may: pass the PyDataset "
            "itself or a function of no arguments that builds it.")
    tf = _tf()
    if not isinstance(ds, tf.data.Dataset):
        raise TypeError(f"{what} must return a tf.data.Dataset; received {ds!r}.")
    return ds


def _require_infinite(ds, what: str) -> None:
    cardinality = int(ds.cardinality())
    if cardinality >= 0:
        raise ValueError(
            f"resumable_dataset needs an infinite stream of batches; {what} is a "
            f"finite dataset of {cardinality} batches. Call .repeat() on it (before "
            ".batch() or after), use kerasgan.data.image_folder(..., repeat=True), "
            "or pass a make_epoch(epoch) function."
        )


def resumable_dataset(source: Callable[..., Any] | Any, start_step: int = 0,
                      steps_per_epoch: int | None = None):
    """An infinite, deterministic stream of batches that starts at `start_step`.

    The stream's `n`-th batch is the one global training step `n` trains on, so
    a run resumed at step `n` sees exactly the batches an uninterrupted run
    would have seen from there on. Pass it to `fit` with `steps_per_epoch`.
    Works with tf.data pipelines and with Keras PyDatasets (no TensorFlow).

    The order must be the same in every process: seeded shuffles, no
    `deterministic=False`, no unseeded random augmentation (tfds' file
    shuffling is unseeded by default). Every iterator of the returned dataset
    yields the same sequence when `source` is a function: the pipeline is
    built afresh inside each iterator, so its random state is never shared.

    Args:
        source: One of
            - `make_stream()`: a function returning an infinite stream of
              batches (`.repeat()`ed, e.g. `kerasgan.data.image_folder(...,
              seed=0, repeat=True)`); it is `.skip()`ped by `start_step`,
              which runs the input pipeline over the skipped batches (cheap
              for in-memory or cached data). The recommended form.
            - `make_epoch(epoch)`: a function returning the finite dataset of
              the batches of epoch `epoch`, a scalar int64 tensor. Derive the
              epoch's order from it with stateless ops
              (`tf.random.experimental.index_shuffle`, `tf.random.stateless_*`;
              `Dataset.shuffle(seed=<tensor>)` fails when TensorFlow's global
              seed is 0). Epoch `e` of the stream is the first
              `steps_per_epoch` batches of `make_epoch(e)`; epochs before
              `start_step` are never built, only the batches of the current
              epoch before it are skipped.
            - a `kerasgan.data.SeededPyDataset` (what `image_folder`,
              `unpaired` and `super_resolution` return with
              `pipeline="pydataset"`), or `make_stream()` returning one:
              step `n` is batch `n % spe` of epoch `n // spe`, `spe` being
              `steps_per_epoch` (at most `len(source)`) or `len(source)`;
              finite or `repeat=True` alike. Any other PyDataset must be
              infinite (`num_batches` None) with item `n` deterministic;
              step `n` is its item `n`. Nothing before `start_step` is made.
            - a `tf.data.Dataset` (infinite), `.skip()`ped. Only safe when
              its order does not depend on how often it was iterated before:
              a `shuffle(reshuffle_each_iteration=True)` in it shares its
              random state between iterators, and Keras iterates the dataset
              once (reading ahead) before training under a `tf.distribute`
              strategy. Prefer `make_stream`.
        start_step: Global step to start at (`ResumableBackup.initial_step`).
        steps_per_epoch: Batches per epoch; required with `make_epoch`. It
            must equal the `steps_per_epoch` given to `fit`.

    Returns:
        A `tf.data.Dataset` of batches, infinite; for a PyDataset source an
        infinite Python generator of batches (made ahead, in order, by the
        source's `workers`), which continues where it stopped when iterated
        again: build one per `fit`.

    Example:
    ```python
    stream = kerasgan.callbacks.resumable_dataset(
        lambda: kerasgan.data.image_folder("faces/", 64, 64, seed=0, repeat=True),
        start_step=backup.initial_step)

    images = ...  # float32 (n, 64, 64, 3) in [-1, 1]

    def make_epoch(epoch):  # a permutation of the images per (seed, epoch)
        n = len(images)
        order = tf.data.Dataset.range(n).map(
            lambda i: tf.random.experimental.index_shuffle(
                i, tf.stack([tf.constant(1234, tf.int64), epoch]), n - 1))
        return order.map(lambda i: tf.gather(images, i)).batch(64, drop_remainder=True)

    stream = kerasgan.callbacks.resumable_dataset(
        make_epoch, start_step=backup.initial_step, steps_per_epoch=len(images) // 64)

    # Without TensorFlow: a PyDataset.
    ds = kerasgan.data.unpaired("cats/", "dogs/", 128, 143, seed=0, pipeline="pydataset")
    stream = kerasgan.callbacks.resumable_dataset(ds, start_step=backup.initial_step)
    ```
    """
    if not isinstance(start_step, (int, np.integer)) or isinstance(start_step, bool) \
            or start_step < 0:
        raise ValueError(f"start_step must be a non-negative integer; received {start_step!r}.")
    start_step = int(start_step)
    if steps_per_epoch is not None and (
        isinstance(steps_per_epoch, bool)
        or not isinstance(steps_per_epoch, (int, np.integer)) or steps_per_epoch < 1
    ):
        raise ValueError(
            f"steps_per_epoch must be a positive integer or None; received {steps_per_epoch!r}."
        )
    kind = source_kind(source)
    if kind == "pydataset":
        return pydataset_stream(source, start_step, steps_per_epoch)
    if kind == "stream":
        made = source()
        if isinstance(made, keras.utils.PyDataset):
            return pydataset_stream(made, start_step, steps_per_epoch)
    tf = _tf()
    if kind == "dataset":
        _require_infinite(source, "the dataset")
        stream, offset = source, start_step
    elif kind == "stream":
        _require_infinite(_require_dataset(made, "make_stream()"), "make_stream()")
        # Each iterator of the stream rebuilds the pipeline (fresh shuffle state).
        # make_stream() takes no tensor, so it is traced as plain Python: AutoGraph
        # would only convert (and warn about) its file listing and such.
        stream = tf.data.Dataset.from_tensors(tf.constant(0, tf.int64)).flat_map(
            tf.autograph.experimental.do_not_convert(lambda _: source()))
        offset = start_step
    else:
        if steps_per_epoch is None:
            raise ValueError(
                "resumable_dataset(make_epoch, ...) needs steps_per_epoch: the number "
                "of batches of each epoch that the stream takes (the steps_per_epoch "
                "you pass to fit)."
            )
        steps_per_epoch = int(steps_per_epoch)
        first_epoch, offset = divmod(start_step, steps_per_epoch)
        probe = _require_dataset(source(tf.constant(first_epoch, tf.int64)), "make_epoch(epoch)")
        known = int(probe.cardinality())
        if 0 <= known < steps_per_epoch:
            raise ValueError(
                f"make_epoch(epoch) yields {known} batches, fewer than steps_per_epoch="
                f"{steps_per_epoch}; epochs of the stream would not line up with fit's "
                "epochs. Lower steps_per_epoch or make each epoch longer."
            )
        stream = tf.data.Dataset.counter(first_epoch).flat_map(
            lambda epoch: source(epoch).take(steps_per_epoch))
    if offset:
        stream = stream.skip(offset)
    stream = stream.apply(tf.data.experimental.assert_cardinality(tf.data.INFINITE_CARDINALITY))
    return stream.prefetch(tf.data.AUTOTUNE)

