"""Checkpoint averaging: a network's weights averaged over several `ResumableBackup` checkpoints.

Averaging a GAN generator's weights over the last part of training (Polyak
averaging; Yazıcı et al., ICLR 2019, "The Unusual Effectiveness of Averaging
in GAN Training") damps the oscillation of the adversarial game, the same way
an EMA generator does, but after the fact, from checkpoints a run has kept
(`ResumableBackup(keep=K)`; recipes: `--checkpoint-every S --average-last K`).
"""

from __future__ import annotations

import os
from typing import Sequence

import keras
import numpy as np

from kerasgan.callbacks.resume.files import WEIGHTS_FILE, list_checkpoints, read_checkpoint
from kerasgan.callbacks.resume.state import _build_optimizers, _optimizers, _to_numpy


def newest_checkpoints(backup_dir: str, count: int) -> list[str]:
    """The `count` newest committed `ckpt-<step>` directories of `backup_dir`, oldest first.

    Raises:
        ValueError: `count` < 1, or fewer checkpoints than `count` (the message
            says how many there are and how to keep more).
    """
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"count must be a positive integer; received {count!r}.")
    found = [path for _, path in list_checkpoints(backup_dir)]
    if len(found) < count:
        raise ValueError(
            f"Averaging the last {count} checkpoints needs {count}; {backup_dir!r} holds "
            f"{len(found)}. Keep more (ResumableBackup(keep={count}), recipes: "
            f"--average-last {count} with --checkpoint-every) or average fewer.")
    return list(reversed(found[:count]))


def _networks(model, names: Sequence[str]) -> list:
    nets = []
    for name in names:
        net = getattr(model, name, None)
        if not isinstance(net, keras.layers.Layer):
            have = sorted(n for n, v in vars(model).items() if isinstance(v, keras.layers.Layer))
            raise ValueError(f"{type(model).__name__} has no network {name!r}; its networks "
                             f"are {have}.")
        nets.append(net)
    return nets


def average_checkpoints(model: keras.Model, checkpoints: Sequence[str],
                        networks: Sequence[str] | None = None) -> keras.Model:
    """Sets `model`'s `networks` to their mean weights over `checkpoints`.

    Everything else (the other networks, the optimizers' state) is left as it
    was before the call. Each checkpoint is verified against its checksums
    first. The mean is taken in float64 and cast back to each variable's dtype.

    Args:
        model: A built, compiled model of the same class and shapes as the
            run that wrote the checkpoints (e.g. the run's model after `fit`).
        checkpoints: `ckpt-<step>` directories written by `ResumableBackup`
            (see `newest_checkpoints`), or `.weights.h5` files of this model.
        networks: Attribute names of the networks to average, e.g.
            `("generator_ab", "generator_ba")` for a CycleGAN; None: all of
            the model's weights (a single network such as `SRResNet`).

    Returns:
        `model`, updated in place.

    Example:
    ```python
    ckpts = newest_checkpoints("runs/cats2dogs/backup", 6)
    average_checkpoints(model, ckpts, ("generator_ab", "generator_ba"))
    ```
    """
    checkpoints = list(checkpoints)
    if not checkpoints:
        raise ValueError("average_checkpoints needs at least one checkpoint; received none.")
    nets = [model] if networks is None else _networks(model, networks)
    files = []
    for path in checkpoints:
        if os.path.isdir(path):
            read_checkpoint(path)  # raises CorruptCheckpointError naming the problem
            files.append(os.path.join(path, WEIGHTS_FILE))
        elif os.path.isfile(path):
            files.append(path)
        else:
            raise FileNotFoundError(f"No checkpoint at {path!r} (a ckpt-<step> directory or "
                                    "a .weights.h5 file).")
    _build_optimizers(model)
    state = list(model.weights)
    for opt in _optimizers(model).values():
        state += list(opt.variables)
    before = [_to_numpy(v) for v in state]
    targets = [v for net in nets for v in net.weights]
    sums = [np.zeros(v.shape, "float64") for v in targets]
    try:
        for path in files:
            model.load_weights(path)
            for total, v in zip(sums, targets):
                total += _to_numpy(v)
    finally:
        for v, value in zip(state, before):
            v.assign(value)
    for v, total in zip(targets, sums):
        v.assign((total / len(files)).astype(keras.backend.standardize_dtype(v.dtype)))
    return model
