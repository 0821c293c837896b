"""What a checkpoint holds of the model: capture, restore and the compatibility check.

`model.save_weights` holds the layers' weights (BatchNorm statistics and the
EMA generator included) and every optimizer's variables; `STATE_FILE` adds
what it leaves out (seed-generator states, running metric accumulators), and
the metadata Python's and NumPy's global random states.
"""

from __future__ import annotations

import os
import random

import keras
import numpy as np

from kerasgan.callbacks.resume.errors import CheckpointMismatchError, CorruptCheckpointError
from kerasgan.callbacks.resume.files import STATE_FILE, WEIGHTS_FILE


def _describe(v) -> list:
    return [v.path, [int(d) for d in v.shape], str(v.dtype)]


def _optimizers(model) -> dict:
    """The model's optimizers by attribute: GANs have two, other models one.

    A GAN's `model.optimizer` is None or (on JAX) a view of the two optimizers
    for the trainer: it is not counted again.
    """
    found = {}
    for name in ("g_optimizer", "d_optimizer"):
        opt = getattr(model, name, None)
        if isinstance(opt, keras.optimizers.Optimizer):
            found[name] = opt
    if not found and isinstance(getattr(model, "optimizer", None), keras.optimizers.Optimizer):
        found["optimizer"] = model.optimizer
    return found


def _build_optimizers(model) -> None:
    """Creates optimizer variables (so there is something to load into)."""
    for name, opt in _optimizers(model).items():
        if opt.built:
            continue
        if name == "g_optimizer":
            variables = model.generator_trainable_variables
        elif name == "d_optimizer":
            variables = model.discriminator_trainable_variables
        else:
            variables = model.trainable_variables
        opt.build(variables)


def _extra_variables(model) -> list:
    """State `save_weights` leaves out: seed-generator states and metrics.

    `model.weights` (layers' weights) and the optimizers' variables are in
    `save_weights`; `model.variables` adds seed-generator states and
    `metrics_variables` the running metric accumulators, which are not.
    """
    saved = {id(v) for v in model.weights}
    extras, seen = [], set(saved)
    for v in list(model.variables) + list(model.metrics_variables):
        if id(v) not in seen:
            extras.append(v)
            seen.add(id(v))
    return extras


def _signature(model) -> list:
    entries = [["weights"] + _describe(v) for v in model.weights]
    for name, opt in _optimizers(model).items():
        entries += [[name] + _describe(v) for v in opt.variables]
    entries += [["extra"] + _describe(v) for v in _extra_variables(model)]
    return entries


def _to_numpy(v) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(v))


def _rng_state() -> dict:
    py = random.getstate()
    np_state = np.random.get_state()
    return {
        "python": [py[0], list(py[1]), py[2]],
        "numpy": [np_state[0], np_state[1].tolist(), int(np_state[2]), int(np_state[3]),
                  float(np_state[4])],
    }


def _set_rng_state(state: dict) -> None:
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    n = state["numpy"]
    np.random.set_state((n[0], np.asarray(n[1], dtype=np.uint32), n[2], n[3], n[4]))


def _distributed(model) -> bool:
    """Whether `fit` runs under an explicit `tf.distribute` strategy."""
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    strategy = getattr(model, "distribute_strategy", None)
    default = tf.distribute.get_strategy()
    return strategy is not None and (strategy is not default
                                     or strategy.num_replicas_in_sync > 1)


def model_metadata(model, with_rng: bool) -> dict:
    """The metadata entries describing the model's state now."""
    return {
        "model_class": type(model).__name__,
        "dtype_policy": model.dtype_policy.name,
        "optimizer_iterations": {
            name: int(keras.ops.convert_to_numpy(opt.iterations))
            for name, opt in _optimizers(model).items()
        },
        "variables": _signature(model),
        "rng": _rng_state() if with_rng else None,
    }


def save_model_state(model, directory: str) -> list[str]:
    """Writes the weights and the extra state into `directory`; returns the file names."""
    model.save_weights(os.path.join(directory, WEIGHTS_FILE))
    extras = _extra_variables(model)
    with open(os.path.join(directory, STATE_FILE), "wb") as f:
        np.savez(f, **{f"v{i}": _to_numpy(v) for i, v in enumerate(extras)})
    return [WEIGHTS_FILE, STATE_FILE]


def check_matches(model, path: str, meta: dict, steps: int) -> None:
    """Raises CheckpointMismatchError naming the first difference between model and checkpoint."""
    _build_optimizers(model)
    name = type(model).__name__
    if meta["model_class"] != name:
        raise CheckpointMismatchError(
            f"The checkpoint {path} was written by a {meta['model_class']} model; "
            f"this model is a {name}. Use another backup_dir, or delete this one "
            "to start from scratch."
        )
    policy = model.dtype_policy.name
    if meta["dtype_policy"] != policy:
        raise CheckpointMismatchError(
            f"The checkpoint {path} was written under the {meta['dtype_policy']!r} "
            f"dtype policy; this model uses {policy!r}. Set the same policy "
            "(keras.mixed_precision.set_global_policy) before building the model."
        )
    if meta["steps_per_epoch"] != steps:
        raise CheckpointMismatchError(
            f"The checkpoint {path} was written with {meta['steps_per_epoch']} steps "
            f"per epoch; this fit runs {steps}. Pass steps_per_epoch="
            f"{meta['steps_per_epoch']} to fit (and to the stream)."
        )
    ours, theirs = _signature(model), meta["variables"]
    for i, (a, b) in enumerate(zip(theirs, ours)):
        if a[0] != b[0] or a[2] != b[2] or a[3] != b[3]:
            raise CheckpointMismatchError(
                f"The checkpoint {path} does not match this {name}: its variable "
                f"#{i} is {a[0]} {a[1]!r} with shape {tuple(a[2])} and dtype {a[3]}; "
                f"here it is {b[0]} {b[1]!r} with shape {tuple(b[2])} and dtype "
                f"{b[3]}. Build and compile the model as in the run that wrote it, "
                "or use another backup_dir."
            )
    if len(theirs) != len(ours):
        longer = theirs if len(theirs) > len(ours) else ours
        extra = longer[min(len(theirs), len(ours))]
        raise CheckpointMismatchError(
            f"The checkpoint {path} holds {len(theirs)} variables; this {name} has "
            f"{len(ours)} (first unmatched: {extra[0]} {extra[1]!r}). Build and "
            "compile the model as in the run that wrote it (same optimizers, EMA, "
            "metrics), or use another backup_dir."
        )


def load_model_state(model, path: str, meta: dict, restore_rngs: bool) -> list:
    """Loads a verified checkpoint into `model`.

    Everything is assigned except the metric accumulators, which `fit`
    resets when the epoch begins: they are returned as `(variable, value)`
    pairs to assign then.

    Raises:
        CorruptCheckpointError: the files do not load or disagree with the metadata.
    """
    try:
        model.load_weights(os.path.join(path, WEIGHTS_FILE))
        with np.load(os.path.join(path, STATE_FILE)) as state:
            extras = [state[f"v{i}"] for i in range(len(state.files))]
    except Exception as err:  # h5py / numpy raise many types
        raise CorruptCheckpointError(
            f"The checkpoint {path} passed its checksum but could not be loaded "
            f"({type(err).__name__}: {err}). Delete it to fall back to the "
            "previous one."
        ) from err
    variables = _extra_variables(model)
    metrics = {id(v) for v in model.metrics_variables}
    metric_values = []
    for v, value in zip(variables, extras):
        if id(v) in metrics:
            metric_values.append((v, value))
        else:
            v.assign(value)
    for name, opt in _optimizers(model).items():
        expected = meta["optimizer_iterations"].get(name)
        got = int(keras.ops.convert_to_numpy(opt.iterations))
        if expected is not None and got != expected:
            raise CorruptCheckpointError(
                f"The checkpoint {path} is inconsistent: its metadata says "
                f"{name}.iterations = {expected}, its weights {got}."
            )
    if restore_rngs and meta.get("rng"):
        _set_rng_state(meta["rng"])
    return metric_values
