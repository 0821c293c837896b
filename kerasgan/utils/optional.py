"""Imports of optional dependencies, with errors that say what to install.

kerasgan's models train on the TensorFlow, JAX and PyTorch Keras backends;
only some features need TensorFlow itself (`tf.data` input pipelines,
`tf.distribute`, TensorFlow Datasets, SavedModel/TFLite export, TensorBoard
images). Those import it through `require_tensorflow`, so that without it they
fail with one clear message instead of an `ImportError` deep inside.
"""

from __future__ import annotations

import sys


def has_tensorflow() -> bool:
    """Whether `import tensorflow` succeeds (imports it when it is installed).

    Returns:
        True when TensorFlow is importable.

    Example:
    ```python
    pipeline = "tf.data" if has_tensorflow() else "pydataset"
    ```
    """
    if "tensorflow" in sys.modules:
        return True
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return False
    return True


def require_tensorflow(feature: str):
    """Imports and returns `tensorflow`, or raises a clear `ImportError`.

    Args:
        feature: What needs TensorFlow, for the message (e.g.
            `"kerasgan.data.image_folder (a tf.data pipeline)"`).

    Returns:
        The `tensorflow` module.

    Raises:
        ImportError: TensorFlow is not installed; the message names `feature`,
            `pip install tensorflow`, and the alternatives that need no TF.

    Example:
    ```python
    tf = require_tensorflow("kerasgan.data.image_folder (a tf.data pipeline)")
    ```
    """
    try:
        import tensorflow as tf
    except ImportError as err:
        raise ImportError(
            f"{feature} needs TensorFlow, which is not installed: pip install "
            "tensorflow. (Training itself does not: on KERAS_BACKEND=jax or torch, "
            "fit kerasgan models on numpy arrays or a keras.utils.PyDataset, e.g. "
            "kerasgan.data.image_folder(..., pipeline='pydataset').)"
        ) from err
    return tf


def require_tfds(feature: str):
    """Imports and returns `tensorflow_datasets`, or raises a clear `ImportError`.

    Args:
        feature: What needs TensorFlow Datasets, for the message.

    Returns:
        The `tensorflow_datasets` module.

    Raises:
        ImportError: naming `feature` and `pip install tensorflow
            tensorflow-datasets`.

    Example:
    ```python
    tfds = require_tfds("kerasgan.data.tfds_images")
    ```
    """
    require_tensorflow(feature)
    try:
        import tensorflow_datasets as tfds
    except ImportError as err:
        raise ImportError(
            f"{feature} needs TensorFlow Datasets, which is not installed: pip "
            "install tensorflow-datasets."
        ) from err
    return tfds
