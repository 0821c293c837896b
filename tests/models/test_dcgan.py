"""DCGAN networks, sampling and serialization."""

import os

import keras
import numpy as np
import pytest

import kerasgan


@pytest.mark.parametrize("size", [16, 32, 64, 128])
def test_network_shapes(size):
    g = kerasgan.networks.dcgan_generator(size, latent_dim=10, width=4)
    d = kerasgan.networks.dcgan_discriminator(size, width=4)
    images = g(np.zeros((2, 10), "float32"))
    assert tuple(images.shape) == (2, size, size, 3)
    assert tuple(d(images).shape) == (2, 1)


def test_pytorch_reference_layout_parameter_count():
    # pytorch/examples DCGAN at 64x64, nz=100, ngf=ndf=64, 3 channels:
    # generator 3,576,704 and discriminator 2,765,568 parameters (BatchNorm
    # affine weights included, running statistics excluded).
    g = kerasgan.networks.dcgan_generator(64, 100, 64)
    d = kerasgan.networks.dcgan_discriminator(64, 64)
    assert sum(int(np.prod(v.shape)) for v in g.trainable_weights) == 3_576_704
    assert sum(int(np.prod(v.shape)) for v in d.trainable_weights) == 2_765_568


def test_bad_sizes_and_norms():
    with pytest.raises(ValueError, match="image_size must be one of"):
        kerasgan.models.DCGAN(image_size=48)
    with pytest.raises(ValueError, match="norm must be one of"):
        kerasgan.networks.dcgan_discriminator(32, norm="group")


def test_generate_is_uint8_and_seeded():
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8)
    a = gan.generate(5, seed=7, batch_size=2)
    assert a.dtype == np.uint8 and a.shape == (5, 16, 16, 3)
    np.testing.assert_array_equal(a, gan.generate(5, seed=7, batch_size=2))  # same computation
    # Other batch sizes may run other convolution kernels: equal up to one
    # float rounding across a .5 boundary, i.e. 1 grey level.
    np.testing.assert_allclose(a.astype(int), gan.generate(5, seed=7).astype(int), atol=1)
    assert not np.array_equal(a, gan.generate(5, seed=8))
    with pytest.raises(ValueError, match="positive integer"):
        gan.generate(0)
    with pytest.raises(ValueError, match=r"latents must have shape \(num, 8\)"):
        gan.generate(2, latents=np.zeros((2, 3)))


def test_ema_generator_tracks_and_is_used(real_images):
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8, ema_decay=0.5, seed=0)
    gan.compile()
    gan.fit(real_images, batch_size=8, epochs=1, verbose=0)
    assert gan.sampler is gan.ema_generator
    g = gan.generator.weights[0].numpy()
    e = gan.ema_generator.weights[0].numpy()
    assert not np.allclose(g, e)  # an average, not a copy
    with pytest.raises(ValueError, match="ema_decay"):
        kerasgan.models.DCGAN(image_size=16, ema_decay=1.5)


@pytest.mark.parametrize("ema", [None, pytest.param(0.9, marks=pytest.mark.multibackend)])
def test_keras_save_load_round_trip(tmp_path, real_images, ema):
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8, discriminator_norm="layer",
                                ema_decay=ema, d_steps=2, seed=5)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.RMSprop(3e-4),
                loss=kerasgan.losses.Hinge(), penalty=kerasgan.losses.R1Penalty(weight=2.0),
                instance_noise=0.05)
    gan.fit(real_images, batch_size=8, epochs=1, verbose=0)
    path = os.path.join(tmp_path, "dcgan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)

    assert type(loaded) is kerasgan.models.DCGAN
    assert loaded.get_config() == gan.get_config()
    for a, b in zip(gan.weights, loaded.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
    np.testing.assert_array_equal(gan.generate(4, seed=1), loaded.generate(4, seed=1))
    # Compile state: optimizers (with their state), loss, penalty, options.
    assert loaded.get_compile_config() == gan.get_compile_config()
    assert isinstance(loaded.d_optimizer, keras.optimizers.RMSprop)
    assert int(loaded.g_optimizer.iterations.numpy()) == 4
    for a, b in zip(gan.d_optimizer.variables, loaded.d_optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert isinstance(loaded.penalty, kerasgan.losses.R1Penalty) and loaded.penalty.weight == 2.0
    # Training continues after loading.
    hist = loaded.fit(real_images, batch_size=8, epochs=1, verbose=0)
    assert int(loaded.g_optimizer.iterations.numpy()) == 8
    assert np.isfinite(hist.history["d_loss"][0])


def test_weights_h5_round_trip(tmp_path):
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8)
    path = os.path.join(tmp_path, "dcgan.weights.h5")
    gan.save_weights(path)
    other = kerasgan.models.DCGAN.from_config(gan.get_config())
    other.load_weights(path)
    np.testing.assert_array_equal(gan.generate(3, seed=0), other.generate(3, seed=0))
    gen_path = os.path.join(tmp_path, "g.weights.h5")
    gan.generator.save_weights(gen_path)
    fresh = kerasgan.networks.dcgan_generator(16, 8, 8)
    fresh.load_weights(gen_path)
    z = gan.latents(2, seed=0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(fresh(z)),
                               keras.ops.convert_to_numpy(gan.generator(z)))


def test_ema_warmup_follows_live_weights_early(real_images):
    # With decay 0.999 and no warm-up the average would still be ~99.6% the
    # random init after 4 steps; the warm-up makes it follow training.
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8, ema_decay=0.999, seed=0)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5))
    init = gan.generator.weights[0].numpy().copy()
    gan.fit(real_images, batch_size=8, epochs=1, verbose=0)
    live = gan.generator.weights[0].numpy()
    ema = gan.ema_generator.weights[0].numpy()
    assert np.abs(ema - live).mean() < np.abs(ema - init).mean()


needs_tf_distribute = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                         reason="tf.distribute (MirroredStrategy)")


def test_minibatch_std_option_config_and_training(real_images):
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8, minibatch_std=True,
                                minibatch_std_group=2, seed=0)
    config = gan.get_config()
    assert config["minibatch_std"] is True and config["minibatch_std_group"] == 2
    assert gan.discriminator.get_layer("minibatch_std").group_size == 2
    other = kerasgan.models.DCGAN.from_config(config)
    assert other.get_config() == config
    assert [w.shape for w in other.discriminator.weights] == [
        w.shape for w in gan.discriminator.weights]
    plain = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                  discriminator_width=8)
    assert plain.get_config()["minibatch_std"] is False
    assert "minibatch_std" not in [layer.name for layer in plain.discriminator.layers]
    gan.compile()
    # 30 images in batches of 8: the last batch of 6 has groups of 2, as the others.
    hist = gan.fit(real_images[:30], batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(hist.history["d_loss"][0]) and np.isfinite(hist.history["g_loss"][0])


@needs_tf_distribute
def test_minibatch_std_uses_each_replicas_own_batch(strategy):
    # Replica 0 gets 4 copies of one image, replica 1 four different images:
    # the statistic is per replica, so replica 0's is ~0 and replica 1's is not.
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    one = rng.standard_normal((1, 4, 4, 3)).astype("float32")
    slices = [np.repeat(one, 4, axis=0), rng.standard_normal((4, 4, 4, 3)).astype("float32")]
    with strategy.scope():
        layer = kerasgan.networks.MinibatchStdDev(4)
    inputs = strategy.experimental_distribute_values_from_function(
        lambda ctx: tf.constant(slices[ctx.replica_id_in_sync_group]))
    out = strategy.experimental_local_results(strategy.run(layer, args=(inputs,)))
    assert np.abs(out[0].numpy()[..., 3]).max() < 2e-4  # sqrt(epsilon) = 1e-4
    assert out[1].numpy()[..., 3].min() > 0.3


@needs_tf_distribute
def test_minibatch_std_trains_mirrored_with_odd_per_replica_batches(strategy, real_images):
    tf = pytest.importorskip("tensorflow")
    with strategy.scope():
        gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                    discriminator_width=8, minibatch_std=True, seed=0)
        gan.compile()
    # Global batches of 6 (3 per replica: smaller than the group of 4), then a
    # last batch of 2 (1 per replica).
    ds = tf.data.Dataset.from_tensor_slices(real_images[:20]).batch(6)
    hist = gan.fit(ds, epochs=1, verbose=0)
    assert np.all(np.isfinite(hist.history["d_loss"]))
    assert int(gan.g_optimizer.iterations.numpy()) == 4
