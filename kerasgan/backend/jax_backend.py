"""JAX implementations of the backend-specific operations.

Keras's JAX trainer calls `train_step(state, data)` as a pure function of the
variables' values: `state` holds the values of the model's trainable and
non-trainable variables, of its optimizer's and of its metrics', and the step
returns `(logs, new_state)`. kerasgan's step is written statefully (it assigns
variables, as on TensorFlow), so `stateless_step` runs it inside a
`keras.StatelessScope` that maps every variable to its value in `state` and
records every assignment; the recorded values are the new state.

Inside that scope, `gradient_step` differentiates with `jax.value_and_grad`
through a nested scope in which the variables being trained are the function's
arguments (every other variable keeps its current value, and whatever the
forward pass assigns -- BatchNorm statistics, seeds -- is carried out as
auxiliary output), then applies the optimizer (`stateless_apply`) and assigns
the results inside the outer scope. `input_gradients` does the same with
`jax.vjp`, so gradient penalties can be differentiated again.

Several devices: under `keras.distribution.DataParallel` Keras's trainer
shards each batch over the devices and replicates the variables, and JAX
compiles the same step as one global (SPMD) program, inserting the
all-reduces itself. So this module defines no replica count (kerasgan's
`num_replicas()` is 1): losses, BatchNorm statistics and the step's noise are
those of the global batch, as on one device, and the step computes the same
update (tests/backend/test_jax_distribution.py).

Keras's trainer traces (jit-compiles) the whole step once; Python-side
counters such as `StepSeedGenerator`'s draw index are reset at the start of
every step body and so are the same in every trace, while the step number the
seeds derive from is read from `g_optimizer.iterations`, a traced value.
"""

from __future__ import annotations

import threading

import jax
import keras

_local = threading.local()


class JointOptimizerVariables:
    """Presents the generator's and discriminator's optimizers as one state.

    Keras's JAX trainer threads `model.optimizer.variables` through every
    step. A GAN has two optimizers and no `model.optimizer`; this object
    (set as `model.optimizer` on the JAX backend only) gives the trainer both
    optimizers' variables as one list. It holds no state of its own and is not
    saved: the optimizers themselves are.

    Args:
        model: An `AdversarialModel` with `g_optimizer` and `d_optimizer`.
    """

    def __init__(self, model):
        self._model = model

    def _optimizers(self):
        seen, out = set(), []
        for opt in (self._model.g_optimizer, self._model.d_optimizer):
            if opt is not None and id(opt) not in seen:
                seen.add(id(opt))
                out.append(opt)
        return out

    @property
    def variables(self) -> list:
        """Both optimizers' variables, generator optimizer first."""
        return [v for opt in self._optimizers() for v in opt.variables]

    @property
    def built(self) -> bool:
        return all(opt.built for opt in self._optimizers())

    def build(self, variables=None):
        """Builds both optimizers on their networks' trainable variables."""
        self._model._build_optimizers()

    def __repr__(self):
        return f"<JointOptimizerVariables of {self._model.name!r}>"


def trainer_optimizer(model) -> JointOptimizerVariables:
    """`model.optimizer` for Keras's JAX trainer (see `JointOptimizerVariables`)."""
    return JointOptimizerVariables(model)


def _state_groups(model, num_groups: int) -> list:
    if num_groups == 4:  # train: trainable, non-trainable, optimizer, metrics
        return [model.trainable_variables, model.non_trainable_variables,
                model.optimizer.variables, model.metrics_variables]
    if num_groups == 3:  # test: trainable, non-trainable, metrics
        return [model.trainable_variables, model.non_trainable_variables,
                model.metrics_variables]
    raise ValueError(
        "Keras's JAX trainer passes a state of 4 (train) or 3 (test) groups of "
        f"variable values; received {num_groups}."
    )


def _run_in_scope(variables: list, values: list, step_fn, data):
    """Runs `step_fn(data)` with `variables` mapped to `values`; returns new values."""
    previous = getattr(_local, "variables", None)
    _local.variables = variables
    try:
        with keras.StatelessScope(state_mapping=list(zip(variables, values))) as scope:
            logs = step_fn(data)
    finally:
        _local.variables = previous
    return logs, [scope.get_current_value(v) for v in variables]


def stateless_step(model, step_fn, state, data):
    """Runs the stateful `step_fn(data)` as a pure function of `state`.

    Args:
        model: The model whose `train_step(state, data)` or
            `test_step(state, data)` Keras's JAX trainer called.
        step_fn: The stateful step body, `step_fn(data) -> logs`.
        state: The trainer's variable values: 4 groups (trainable,
            non-trainable, optimizer, metrics) for training, 3 (no optimizer)
            for evaluation.
        data: The batch.

    Returns:
        `(logs, new_state)`, `new_state` with the structure of `state`.
    """
    groups = _state_groups(model, len(state))
    variables, values = [], []
    for group, group_values in zip(groups, state):
        if len(group) != len(group_values):
            raise ValueError(
                f"The trainer's state has {len(group_values)} values for a group of "
                f"{len(group)} variables of {model.name!r}; the model's variables "
                "changed after training started."
            )
        variables.extend(group)
        values.extend(group_values)
    logs, new_values = _run_in_scope(variables, values, step_fn, data)
    new_state, start = [], 0
    for group in groups:
        new_state.append(new_values[start:start + len(group)])
        start += len(group)
    return logs, tuple(new_state)


def stateful_step(model, step_fn, data):
    """Runs the step body on the variables themselves (outside Keras's trainer).

    For direct calls such as `model.train_step(batch)`: the body runs in the
    same scope as under `fit`, then every changed value is assigned back.

    Args:
        model: The model.
        step_fn: The stateful step body, `step_fn(data) -> logs`.
        data: The batch.

    Returns:
        The step's logs.
    """
    groups = [model.trainable_variables, model.non_trainable_variables,
              model.optimizer.variables if model.optimizer is not None else [],
              model.metrics_variables]
    variables, seen = [], set()
    for v in (v for group in groups for v in group):
        if id(v) not in seen:
            seen.add(id(v))
            variables.append(v)
    values = [v.value for v in variables]
    logs, new_values = _run_in_scope(variables, values, step_fn, data)
    for v, old, new in zip(variables, values, new_values):
        if new is not old:
            v.assign(new)
    return logs


def _step_variables(extra) -> list:
    variables = list(getattr(_local, "variables", None) or ())
    known = {id(v) for v in variables}
    return variables + [v for v in extra if id(v) not in known]


def _scoped(fn, variables, values, step_vars):
    """Calls `fn()` with `variables` set to `values`; returns its updates.

    Every variable of the step is mapped to its current value (the outer
    scope's), the overridden ones to `values`. Returns `(result, updates)`
    with `updates[i]` the new value of `step_vars[i]`, or None if unchanged.
    """
    overrides = {id(v): x for v, x in zip(variables, values)}
    mapping = [(v, overrides.get(id(v), v.value)) for v in step_vars]
    with keras.StatelessScope(state_mapping=mapping) as scope:
        initial = [scope.get_current_value(v) for v in step_vars]
        result = fn()
    updates = []
    for v, before in zip(step_vars, initial):
        after = scope.get_current_value(v)
        updates.append(None if after is before else after)
    return result, updates


def _apply_updates(step_vars, updates):
    for v, new in zip(step_vars, updates):
        if new is not None:
            v.assign(new)


def gradient_step(loss_fn, variables, optimizer, after=()):
    # `after` orders TensorFlow graph ops; JAX's data flow already does.
    del after
    variables = list(variables)
    step_vars = _step_variables(variables)

    def scaled_loss(values):
        def run():
            loss, logs = loss_fn()
            return optimizer.scale_loss(loss), loss, logs

        (scaled, loss, logs), updates = _scoped(run, variables, values, step_vars)
        # Updates of the variables being differentiated are not kept (a
        # trainable variable is only changed by its optimizer).
        trained = {id(v) for v in variables}
        updates = [None if id(v) in trained else u for v, u in zip(step_vars, updates)]
        return scaled, (loss, logs, updates)

    values = [v.value for v in variables]
    (_, (loss, logs, updates)), grads = jax.value_and_grad(scaled_loss, has_aux=True)(values)
    _apply_updates(step_vars, updates)
    _apply_gradients(optimizer, grads, variables, values)
    return loss, logs, None


def _apply_gradients(optimizer, grads, variables, values):
    # `stateless_apply` is the optimizers' JAX path (a LossScaleOptimizer's
    # stateful `apply` assigns variables inside `ops.cond` branches, which
    # JAX cannot trace); it takes the variables the optimizer was built on.
    built = getattr(optimizer, "_trainable_variables", None)
    if built is None or len(built) != len(variables) or any(
        a is not b for a, b in zip(built, variables)
    ):
        optimizer.apply(grads, variables)  # a subset: the stateful path
        return
    opt_vars = optimizer.variables
    new_values, new_opt_values = optimizer.stateless_apply(
        [v.value for v in opt_vars], grads, values
    )
    for v, x in zip(list(variables) + list(opt_vars), list(new_values) + list(new_opt_values)):
        v.assign(x)


def input_gradients(fn, inputs):
    step_vars = _step_variables(())

    def total(x):
        def run():
            out = fn(x)
            return keras.ops.sum(keras.ops.cast(out, "float32"))

        value, updates = _scoped(run, (), (), step_vars)
        return value, updates

    _, vjp, updates = jax.vjp(total, inputs, has_aux=True)
    _apply_updates(step_vars, updates)
    (grads,) = vjp(keras.ops.ones((), "float32"))
    return grads
