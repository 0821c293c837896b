"""Backend-specific pieces of the adversarial core, kept in one small place.

Everything else in kerasgan is written with `keras.ops`. The few operations that
Keras does not abstract -- taking gradients for a custom `train_step`, gradients
with respect to inputs (for gradient penalties) and the replica context of
`tf.distribute` -- live in one module per backend, chosen here.
"""

import keras

_BACKEND = keras.backend.backend()

if _BACKEND == "tensorflow":
    from kerasgan.backend import tensorflow_backend as _impl
else:  # pragma: no cover - exercised only on other backends
    _impl = None


def _require_impl(what: str):
    if _impl is None:
        raise NotImplementedError(
            f"kerasgan's {what} is not available on the '{_BACKEND}' Keras "
            "backend yet. Use KERAS_BACKEND=tensorflow (pip install tensorflow)."
        )
    return _impl


def gradient_step(loss_fn, variables, optimizer, after=()):
    """Computes `loss_fn()` and applies its gradients to `variables`.

    Args:
        loss_fn: A zero-argument callable returning `(loss, logs)`; `loss` is
            the replica-scaled scalar loss to minimise.
        variables: The trainable variables to update.
        optimizer: A Keras optimizer (possibly a `LossScaleOptimizer`).
        after: Values of earlier steps this one must run after (the third
            return value of an earlier `gradient_step`).

    Returns:
        `(loss, logs, done)`: `loss_fn`'s results and a value that is ready
        once the update is applied.
    """
    return _require_impl("gradient step").gradient_step(
        loss_fn, variables, optimizer, after
    )


def input_gradients(fn, inputs):
    """Gradients of `sum(fn(inputs))` with respect to `inputs`.

    The gradient stays differentiable, so a penalty built on it can itself be
    minimised (WGAN-GP, R1).
    """
    return _require_impl("input gradient").input_gradients(fn, inputs)


def num_replicas() -> int:
    """Number of replicas training in sync (1 outside `tf.distribute`)."""
    return _impl.num_replicas() if _impl is not None else 1


def replica_id():
    """Index of the current replica (0 outside `tf.distribute`)."""
    return _impl.replica_id() if _impl is not None else 0


def scale_for_replicas(value):
    """Divides a per-replica mean by the number of replicas.

    Summing the result over replicas (what optimizers do with gradients) then
    gives the mean over the global batch.
    """
    n = num_replicas()
    if n > 1:
        value = keras.ops.multiply(value, keras.ops.cast(1.0 / n, value.dtype))
    return value


def unscale_for_replicas(value):
    """Inverse of `scale_for_replicas`, for reporting losses."""
    n = num_replicas()
    if n > 1:
        value = keras.ops.multiply(value, keras.ops.cast(n, value.dtype))
    return value


def step_logs(logs: dict) -> dict:
    """Adapts a train_step's scalar logs to what the trainer reduces."""
    return _impl.step_logs(logs) if _impl is not None else logs
