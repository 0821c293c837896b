"""The adversarial core trains with fit for every loss and penalty."""

import keras
import numpy as np
import pytest

import kerasgan


def tiny_dcgan(**kw):
    kw.setdefault("seed", 0)
    return kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                 discriminator_width=8, **kw)


def _snapshot(vars_):
    return [np.array(v.numpy()) for v in vars_]


def _changed(before, vars_):
    return all(np.abs(b - v.numpy()).max() > 0 for b, v in zip(before, vars_))


@pytest.mark.parametrize("loss", list(kerasgan.losses.LOSS_NAMES))
@pytest.mark.parametrize("penalty", [None, "gradient_penalty", "r1"])
def test_fit_every_loss_and_penalty(real_images, loss, penalty):
    gan = tiny_dcgan(discriminator_norm="layer" if penalty else "batch")
    gan.compile(loss=loss, penalty=penalty)
    g0 = _snapshot(gan.generator.trainable_variables)
    d0 = _snapshot(gan.discriminator.trainable_variables)
    hist = gan.fit(real_images, batch_size=8, epochs=1, verbose=0)
    expected = {"d_loss", "g_loss", "d_real", "d_fake"} | ({"d_penalty"} if penalty else set())
    assert set(hist.history) == expected
    for name, values in hist.history.items():
        assert np.all(np.isfinite(values)), name
    assert _changed(g0, gan.generator.trainable_variables)
    assert _changed(d0, gan.discriminator.trainable_variables)
    if penalty:
        assert hist.history["d_penalty"][0] > 0


def _values(vars_):
    return [keras.ops.convert_to_numpy(v.value).copy() for v in vars_]


class _BatchLogs(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        self.seen = getattr(self, "seen", []) + [dict(logs)]


@pytest.mark.multibackend
def test_step_updates_weights_statistics_ema_and_optimizers(real_images):
    # What every backend's step must carry out of train_step: new weights,
    # BatchNorm moving statistics, the EMA generator and both optimizers'
    # state (iterations and moments).
    gan = tiny_dcgan(ema_decay=0.9, d_steps=2)
    gan.compile()
    nets = {"generator": gan.generator, "discriminator": gan.discriminator}
    trainable = {k: _values(n.trainable_variables) for k, n in nets.items()}
    stats = {k: [v for v in n.non_trainable_variables if "moving" in v.path]
             for k, n in nets.items()}
    assert all(len(v) >= 2 for v in stats.values())
    stats0 = {k: _values(v) for k, v in stats.items()}
    ema0 = _values(gan.ema_generator.weights)
    gan.fit(real_images[:16], batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert int(gan.g_optimizer.iterations.numpy()) == 2
    assert int(gan.d_optimizer.iterations.numpy()) == 4
    for name, net in nets.items():
        for before, after in zip(trainable[name], _values(net.trainable_variables)):
            assert np.abs(before - after).max() > 0, name
        for before, after in zip(stats0[name], _values(stats[name])):
            assert np.abs(before - after).max() > 0, f"{name} BatchNorm statistics"
    for before, after in zip(ema0, _values(gan.ema_generator.weights)):
        assert np.abs(before - after).max() > 0, "EMA generator"
    for opt in (gan.g_optimizer, gan.d_optimizer):
        moments = [v for v in opt.variables if "momentum" in v.path]
        assert moments and all(np.abs(m).max() > 0 for m in _values(moments))


@pytest.mark.multibackend
def test_train_step_called_directly_updates_the_model(real_images):
    # Outside fit (on JAX: outside the trainer's pure step) a direct call
    # updates the variables themselves: weights, BatchNorm statistics,
    # optimizer iterations, metrics. Dense networks keep it cheap op by op.
    g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16 * 16 * 3),
                          keras.layers.BatchNormalization(), keras.layers.Activation("tanh"),
                          keras.layers.Reshape((16, 16, 3))])
    d = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Flatten(), keras.layers.Dense(1)])
    gan = kerasgan.models.GAN(g, d, seed=1)
    gan.compile(loss="lsgan", penalty="r1")
    before = _values(gan.generator.variables + gan.discriminator.trainable_variables)
    logs = gan.train_step(keras.ops.convert_to_tensor(real_images[:8]))
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake", "d_penalty"}
    after = _values(gan.generator.variables + gan.discriminator.trainable_variables)
    assert all(np.abs(a - b).max() > 0 for a, b in zip(before, after))
    assert int(gan.g_optimizer.iterations.numpy()) == int(gan.d_optimizer.iterations.numpy()) == 1
    assert float(gan.metrics[0].count.numpy()) == 1.0


@pytest.mark.multibackend
def test_noise_is_fresh_every_step_and_a_function_of_the_step(real_images):
    # Weights frozen (learning rate 0): D's score on generated images changes
    # from step to step only if the latents do -- also inside a compiled step,
    # where the seed must not be a constant of the trace. Restarting at the
    # same iteration count draws exactly the same noise again.
    gan = tiny_dcgan()
    gan.compile(g_optimizer=keras.optimizers.SGD(0.0), d_optimizer=keras.optimizers.SGD(0.0))
    runs = []
    for _ in range(2):
        gan.g_optimizer.iterations.assign(0)
        cb = _BatchLogs()
        gan.fit(real_images[:16], batch_size=8, epochs=1, shuffle=False, verbose=0,
                callbacks=[cb])
        runs.append([logs["d_fake"] for logs in cb.seen])
    assert len(runs[0]) == 2 and runs[0][0] != runs[0][1]
    assert runs[0] == runs[1]


def test_d_steps_and_two_time_scales(real_images):
    gan = tiny_dcgan(d_steps=3)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(4e-4, beta_1=0.5))
    gan.fit(real_images, batch_size=8, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations.numpy()) == 4
    assert int(gan.d_optimizer.iterations.numpy()) == 12
    assert float(gan.d_optimizer.learning_rate.numpy()) == pytest.approx(4e-4)


def test_discriminator_learns_to_separate(real_images):
    # With G frozen (lr 0), D alone must learn to tell the real images from
    # the generator's: its real/fake scores separate.
    gan = tiny_dcgan()
    gan.compile(g_optimizer=keras.optimizers.SGD(0.0),
                d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5))
    hist = gan.fit(real_images, batch_size=8, epochs=6, verbose=0)
    assert hist.history["d_real"][-1] - hist.history["d_fake"][-1] > 0.5
    assert hist.history["d_loss"][-1] < hist.history["d_loss"][0]


def test_instance_noise_and_label_smoothing_train(real_images):
    gan = tiny_dcgan()
    gan.compile(loss=kerasgan.losses.NonSaturating(label_smoothing=0.1),
                instance_noise=0.2, instance_noise_decay_steps=3)
    hist = gan.fit(real_images, batch_size=8, epochs=2, verbose=0)
    assert np.all(np.isfinite(hist.history["d_loss"]))
    assert float(gan._current_instance_noise()) == 0.0  # decayed after 8 steps


@pytest.mark.multibackend
def test_evaluate_reports_both_losses(real_images):
    gan = tiny_dcgan()
    gan.compile()
    w0 = _snapshot(gan.weights)
    logs = gan.evaluate(real_images, batch_size=8, verbose=0, return_dict=True)
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(logs)
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(w0, gan.weights))


def test_fit_before_compile_is_a_clear_error(real_images):
    gan = tiny_dcgan()
    with pytest.raises(Exception, match=r"compile\(\)"):
        gan.fit(real_images, batch_size=8, epochs=1, verbose=0)


def test_compile_rejects_single_optimizer_and_bad_values():
    gan = tiny_dcgan()
    with pytest.raises(TypeError, match="two optimizers"):
        gan.compile(optimizer="adam")
    with pytest.raises(ValueError, match="Unknown adversarial loss 'bce'.*non_saturating"):
        gan.compile(loss="bce")
    with pytest.raises(TypeError, match="g_optimizer"):
        gan.compile(g_optimizer=3)
    with pytest.raises(ValueError, match="instance_noise"):
        gan.compile(instance_noise=-1)


@pytest.mark.parametrize("shape,match", [
    ((8, 16, 16), "height, width, channels"),
    ((8, 16, 16, 1), "Grayscale or RGBA"),
    ((8, 16, 16, 4), "Grayscale or RGBA"),
    ((8, 32, 32, 3), r"expects images of shape \(batch, 16, 16, 3\)"),
])
def test_bad_image_shapes_are_clear_errors(shape, match):
    gan = tiny_dcgan()
    gan.compile()
    with pytest.raises(ValueError, match=match):
        gan.fit(np.zeros(shape, "float32"), batch_size=8, epochs=1, verbose=0)


def test_uint8_images_are_a_clear_error():
    gan = tiny_dcgan()
    gan.compile()
    with pytest.raises(ValueError, match=r"scaled to \[-1, 1\].*uint8"):
        gan.fit(np.zeros((8, 16, 16, 3), "uint8"), batch_size=8, epochs=1, verbose=0)


def test_custom_networks_with_gan_class(real_images):
    g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16 * 16 * 3, activation="tanh"),
                          keras.layers.Reshape((16, 16, 3))])
    d = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Flatten(), keras.layers.Dense(1)])
    gan = kerasgan.models.GAN(g, d, seed=1)
    gan.compile(loss="lsgan")
    gan.fit(real_images, batch_size=8, epochs=1, verbose=0)
    assert gan.generate(3, seed=1).dtype == np.uint8
    bad_d = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="must match"):
        kerasgan.models.GAN(g, bad_d)
