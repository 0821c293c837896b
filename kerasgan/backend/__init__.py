"""Backend-specific pieces of the adversarial core, kept in one small place.

Everything else in kerasgan is written with `keras.ops`. The few operations that
Keras does not abstract -- taking gradients for a custom `train_step`, gradients
with respect to inputs (for gradient penalties), the shape of the trainer's
`train_step` (stateful on TensorFlow and PyTorch, a pure function of the
variables' values on JAX) and the replica context of `tf.distribute` -- live in
one module per backend, chosen here: `tensorflow_backend`, `jax_backend`,
`torch_backend`.
"""

from __future__ import annotations

import keras

_BACKEND = keras.backend.backend()
SUPPORTED_BACKENDS = ("tensorflow", "jax", "torch")

if _BACKEND == "tensorflow":
    from kerasgan.backend import tensorflow_backend as _impl
elif _BACKEND == "jax":
    from kerasgan.backend import jax_backend as _impl
elif _BACKEND == "torch":
    from kerasgan.backend import torch_backend as _impl
else:  # pragma: no cover - e.g. numpy or openvino (inference only)
    _impl = None


def _require_impl(what: str):
    if _impl is None:
        raise NotImplementedError(
            f"kerasgan's {what} is not available on the '{_BACKEND}' Keras "
            f"backend; training works on {', '.join(SUPPORTED_BACKENDS)} "
            "(set KERAS_BACKEND to one of them)."
        )
    return _impl


def run_step(model, step_fn, args: tuple):
    """Calls a stateful step body the way the backend's trainer expects.

    TensorFlow's and PyTorch's trainers call `train_step(data)` and the body
    runs as is. JAX's trainer calls `train_step(state, data)` with the values
    of the model's variables and expects `(logs, new_state)`; the body then
    runs inside a `keras.StatelessScope` (see `kerasgan.backend.jax_backend`).
    A direct `train_step(data)` on JAX runs the same way on the variables'
    current values and assigns the new ones.

    Args:
        model: The `keras.Model` whose step it is.
        step_fn: The stateful body, `step_fn(data) -> logs`.
        args: The arguments the trainer passed to `train_step`/`test_step`:
            `(data,)`, or `(state, data)` on JAX.

    Returns:
        `logs`, or `(logs, new_state)` on JAX.

    Example:
    ```python
    def train_step(self, *args):
        return kerasgan.backend.run_step(self, self._train_step, args)
    ```
    """
    if len(args) == 2 and _BACKEND == "jax":
        return _impl.stateless_step(model, step_fn, args[0], args[1])
    if len(args) == 1 and _BACKEND == "jax":  # a direct call, outside the trainer
        return _impl.stateful_step(model, step_fn, args[0])
    if len(args) == 1:
        return step_fn(args[0])
    accepted = "(data) or (state, data)" if _BACKEND == "jax" else "(data)"
    raise TypeError(
        f"train_step/test_step takes {accepted} on the {_BACKEND} backend; "
        f"received {len(args)} arguments."
    )


def trainer_optimizer(model):
    """What the backend's trainer needs as `model.optimizer`, or None.

    Keras's JAX trainer reads `model.optimizer.variables` to thread optimizer
    state through its pure `train_step`; a GAN has two optimizers, so on JAX
    this is an object listing both optimizers' variables. Other backends need
    nothing (None).

    Args:
        model: An `AdversarialModel` after `compile`.

    Returns:
        An object with `variables`, `built` and `build()`, or None.
    """
    if _BACKEND == "jax":
        return _impl.trainer_optimizer(model)
    return None


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
        once the update is applied (None where the backend needs none).
    """
    return _require_impl("gradient step").gradient_step(
        loss_fn, variables, optimizer, after
    )


def input_gradients(fn, inputs):
    """Gradients of `sum(fn(inputs))` with respect to `inputs`.

    The gradient stays differentiable, so a penalty built on it can itself be
    minimised (WGAN-GP, R1): `tf.GradientTape` on TensorFlow, `jax.vjp` on
    JAX, `torch.autograd.grad(create_graph=True)` on PyTorch.

    Args:
        fn: A callable mapping `inputs` to a tensor (e.g. D's scores).
        inputs: A float tensor.

    Returns:
        A tensor like `inputs`.
    """
    return _require_impl("input gradient").input_gradients(fn, inputs)


def num_replicas() -> int:
    """Number of replicas training in sync (1 outside `tf.distribute`).

    Always 1 on JAX, also under `keras.distribution.DataParallel`: there the
    step is one global program over the sharded batch (XLA inserts the
    all-reduces), so BatchNorm statistics, loss means and noise are already
    those of the global batch and nothing may be divided by a device count.
    """
    impl = getattr(_impl, "num_replicas", None)  # single-device backends have none
    return impl() if impl is not None else 1


def replica_id():
    """Index of the current replica (0 outside `tf.distribute`)."""
    impl = getattr(_impl, "replica_id", None)
    return impl() if impl is not None else 0


def scale_for_replicas(value):
    """Divides a per-replica mean by the number of replicas.

    Summing the result over replicas (what optimizers do with gradients) then
    gives the mean over the global batch. A no-op outside `tf.distribute`,
    including JAX's `keras.distribution` (see `num_replicas`).
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
    impl = getattr(_impl, "step_logs", None)
    return impl(logs) if impl is not None else logs
