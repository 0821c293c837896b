"""Exponential moving averages of a network's weights (EMA generators).

Averaged generators give visibly better samples than the live ones
(Yazıcı et al., "The Unusual Effectiveness of Averaging in GAN Training",
ICLR 2019). The models keep an averaged copy next to each generator and update
it after every generator step; these helpers are that copy and that update.
"""

from __future__ import annotations

import keras
from keras import ops


def check_ema_decay(ema_decay) -> float | None:
    """`ema_decay` as a float, or None; raises unless it lies in (0, 1)."""
    if ema_decay is None:
        return None
    if not 0.0 < float(ema_decay) < 1.0:
        raise ValueError(f"ema_decay must be in (0, 1) or None; received {ema_decay}.")
    return float(ema_decay)


def ema_copy(network: keras.Model, name: str) -> keras.Model:
    """A non-trainable clone of `network` named `name`, starting from its weights."""
    copy = keras.models.clone_model(network)
    copy.name = name
    copy.trainable = False
    copy.set_weights(network.get_weights())
    return copy


def update_ema(ema_network: keras.Model, network: keras.Model, ema_decay: float,
               step) -> None:
    """Moves `ema_network`'s weights towards `network`'s.

    The decay ramps up as `min(ema_decay, (1 + step) / (10 + step))` (as
    `tf.train.ExponentialMovingAverage`'s `num_updates`): early on, or after
    the live weights were replaced (e.g. started from a pretrained model with
    a fresh optimizer), the average follows the live weights closely instead
    of staying near where it began. Non-trainable weights (BatchNorm
    statistics) are copied as they are.

    Args:
        ema_network: The averaged copy (`ema_copy(network, ...)`).
        network: The live network.
        ema_decay: The decay once warmed up, e.g. 0.999.
        step: The generator optimizer's iteration count (a scalar tensor).
    """
    step = ops.cast(step, "float32")
    decay = ops.minimum(ema_decay, (1.0 + step) / (10.0 + step))
    for ema_w, w in zip(ema_network.weights, network.weights):
        if w.trainable:
            ema_w.assign(decay * ema_w + (1.0 - decay) * ops.cast(w, ema_w.dtype))
        else:
            ema_w.assign(ops.cast(w, ema_w.dtype))
