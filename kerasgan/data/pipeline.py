"""Which input pipeline `kerasgan.data` builds: tf.data or a Keras PyDataset."""

from __future__ import annotations

from kerasgan.utils.optional import has_tensorflow

#: Values of the `pipeline` argument of `image_folder`, `unpaired` and `super_resolution`.
PIPELINES = ("auto", "tf.data", "pydataset")


def resolve_pipeline(pipeline: str = "auto") -> str:
    """The pipeline a `pipeline=` argument selects: `"tf.data"` or `"pydataset"`.

    Args:
        pipeline: `"tf.data"`, `"pydataset"`, or `"auto"`: tf.data when
            TensorFlow can be imported, else the PyDataset (which runs on
            every Keras backend without TensorFlow).

    Returns:
        `"tf.data"` or `"pydataset"`.

    Raises:
        ValueError: `pipeline` is not one of `PIPELINES`.

    Example:
    ```python
    kerasgan.data.resolve_pipeline("auto")  # "tf.data" where TensorFlow is installed
    ```
    """
    if pipeline not in PIPELINES:
        raise ValueError(f"pipeline must be one of {PIPELINES}; received {pipeline!r}.")
    if pipeline == "auto":
        return "tf.data" if has_tensorflow() else "pydataset"
    return pipeline


def steps_per_epoch(dataset) -> int | None:
    """Batches per epoch of a kerasgan pipeline, whichever kind it is.

    Args:
        dataset: A `tf.data.Dataset` (its cardinality) or a
            `keras.utils.PyDataset` (its `len()`, also when it repeats).

    Returns:
        The number of batches per epoch, or None when it is not known (an
        infinite or filtered tf.data pipeline).

    Example:
    ```python
    ds = kerasgan.data.unpaired("cats/", "dogs/", image_size=128, load_size=143)
    steps = kerasgan.data.steps_per_epoch(ds)
    ```
    """
    import keras

    if isinstance(dataset, keras.utils.PyDataset):
        try:
            return int(len(dataset))
        except TypeError:
            return None
    cardinality = getattr(dataset, "cardinality", None)
    if cardinality is None:
        raise TypeError("steps_per_epoch takes a tf.data.Dataset or a keras.utils.PyDataset; "
                        f"received {type(dataset).__name__}.")
    n = int(cardinality())
    return n if n >= 0 else None


__all__ = ["PIPELINES", "resolve_pipeline", "steps_per_epoch"]
