"""Float32 copies of models trained in mixed precision."""

from __future__ import annotations

import keras


def float32_copy(model: keras.Model, copy_weights: bool = True) -> keras.Model:
    """`model` itself if it computes in float32, else a float32 rebuild with its weights.

    A model trained under `mixed_bfloat16` or `mixed_float16` saves that dtype
    policy in its config, so loading it runs inference in 16 bits. Presets and
    evaluations should use the float32 networks.

    Args:
        model: A kerasgan model (any `keras.Model` with `get_config` /
            `from_config`), built.
        copy_weights: Copy all of `model`'s weights into the rebuild (False:
            the caller copies the networks it needs).

    Returns:
        A model of the same class and config with `dtype="float32"` and the
        same weights (a new object), or `model` when it already is float32.

    Example:
    ```python
    model = float32_copy(keras.saving.load_model("run/cyclegan_cats2dogs.keras"))
    ```
    """
    if model.dtype_policy.name == "float32":
        return model
    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")
    try:
        clone = type(model).from_config({**model.get_config(), "dtype": "float32"})
    finally:
        keras.mixed_precision.set_global_policy(policy)
    if copy_weights:
        clone.set_weights(model.get_weights())
    return clone
