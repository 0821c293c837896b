"""kerasgan.schedules.LinearDecay: constant, linear decay, and an optional delayed start."""

import keras
import numpy as np
import pytest

from kerasgan.models.cyclegan import CycleGAN
from kerasgan.schedules import LinearDecay


def rates(schedule, steps):
    return np.array([float(keras.ops.convert_to_numpy(schedule(s))) for s in steps])


def test_constant_then_linear_decay():
    lr = LinearDecay(1e-3, constant_steps=4, decay_steps=4, final_learning_rate=1e-4)
    np.testing.assert_allclose(rates(lr, [0, 4, 6, 8, 20]),
                               [1e-3, 1e-3, 5.5e-4, 1e-4, 1e-4], rtol=1e-5)


def test_delay_holds_the_rate_at_zero_then_follows_the_schedule():
    plain = LinearDecay(1e-3, 4, 4)
    delayed = LinearDecay(1e-3, 4, 4, delay_steps=3)
    steps = list(range(10))
    expected = np.where(np.array(steps) < 3, 0.0, rates(plain, steps))
    np.testing.assert_allclose(rates(delayed, steps), expected, rtol=1e-6, atol=1e-12)


def test_from_epochs_passes_the_delay():
    lr = LinearDecay.from_epochs(2e-4, 1, 1, steps_per_epoch=10, delay_steps=5)
    assert (lr.constant_steps, lr.decay_steps, lr.delay_steps) == (10, 10, 5)


def test_config_round_trip_keeps_the_delay():
    lr = LinearDecay(1e-3, 4, 4, 1e-5, delay_steps=2)
    restored = keras.optimizers.schedules.deserialize(
        keras.optimizers.schedules.serialize(lr))
    assert isinstance(restored, LinearDecay) and restored.get_config() == lr.get_config()
    old = dict(lr.get_config())
    del old["delay_steps"]  # configs written before the argument existed
    assert LinearDecay.from_config(old).delay_steps == 0


def test_negative_delay_is_rejected():
    with pytest.raises(ValueError, match="delay_steps must be >= 0; received -1"):
        LinearDecay(1e-3, 4, 4, delay_steps=-1)


def test_delayed_generator_optimizer_trains_only_the_discriminators():
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (4, 16, 16, 3)).astype("float32")
    b = rng.uniform(-1, 1, (4, 16, 16, 3)).astype("float32")
    model = CycleGAN(image_size=16, generator_width=4, num_residual_blocks=1,
                     discriminator_width=4, discriminator_layers=2, pool_size=2, seed=0)
    model.compile(g_optimizer=keras.optimizers.Adam(LinearDecay(1e-2, 10, 10, delay_steps=2)),
                  d_optimizer=keras.optimizers.Adam(1e-2))
    before = [w.numpy().copy() for w in model.generator_ab.trainable_weights]
    d_before = [w.numpy().copy() for w in model.discriminator_b.trainable_weights]
    model.fit(a, b, batch_size=2, epochs=1, shuffle=False, verbose=0)  # 2 steps, both delayed
    for w, w0 in zip(model.generator_ab.trainable_weights, before):
        np.testing.assert_allclose(w.numpy(), w0, rtol=0, atol=1e-12)
    assert any(not np.allclose(w.numpy(), w0)
               for w, w0 in zip(model.discriminator_b.trainable_weights, d_before))
    model.fit(a, b, batch_size=2, epochs=1, shuffle=False, verbose=0)  # steps 3-4 train G
    assert any(not np.allclose(w.numpy(), w0)
               for w, w0 in zip(model.generator_ab.trainable_weights, before))
