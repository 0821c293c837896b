"""kerasgan.core.ema: the averaged copy and its update."""

import keras
import numpy as np
import pytest

from kerasgan.core.ema import check_ema_decay, ema_copy, update_ema


def _net(seed):
    inputs = keras.Input((3,))
    x = keras.layers.Dense(2, kernel_initializer=keras.initializers.RandomNormal(seed=seed))(inputs)
    x = keras.layers.BatchNormalization()(x)
    return keras.Model(inputs, x)


def test_update_follows_the_warmed_up_decay_and_copies_statistics():
    live = _net(0)
    ema = ema_copy(live, "ema")
    assert ema.name == "ema" and not ema.trainable_weights
    start = [w.copy() for w in ema.get_weights()]
    live.set_weights([w + 1.0 for w in live.get_weights()])  # all weights move by +1
    for step, decay in ((0, 0.1), (1000, 0.99)):  # min(0.99, (1 + s) / (10 + s))
        before = [w.copy() for w in ema.get_weights()]
        update_ema(ema, live, 0.99, step)
        for w, b, lw, v in zip(ema.get_weights(), before, live.get_weights(), live.weights):
            expected = decay * b + (1 - decay) * lw if v.trainable else lw
            np.testing.assert_allclose(w, expected, rtol=1e-6, atol=1e-6)
    moving_mean = [v for v in live.weights if "moving_mean" in v.path]
    assert moving_mean  # the non-trainable statistics were among the weights checked
    assert not np.allclose(ema.get_weights()[0], start[0])


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.5, 2])
def test_decay_outside_the_open_interval_is_refused(bad):
    message = f"ema_decay must be in \\(0, 1\\) or None; received {bad}"
    with pytest.raises(ValueError, match=message):
        check_ema_decay(bad)
    assert check_ema_decay(None) is None and check_ema_decay(0.999) == pytest.approx(0.999)
