"""Multi-device training computes the same update as one device.

conftest.py splits the CPU into 2 logical devices and provides the one
`strategy` all tests share.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan


def _make(loss, penalty, **kw):
    if penalty:  # the WGAN-GP critic uses LayerNorm (Gulrajani et al. 2017)
        kw.setdefault("discriminator_norm", "layer")
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8, seed=3, **kw)
    # SGD keeps the update linear in the gradient, so the comparison checks
    # gradient aggregation itself (Adam's first step, g / (|g| + eps), turns
    # float rounding in near-zero gradients into visible differences).
    gan.compile(g_optimizer=keras.optimizers.SGD(0.1), d_optimizer=keras.optimizers.SGD(0.1),
                loss=loss, penalty=penalty)
    return gan


@pytest.mark.parametrize("loss,penalty", [("non_saturating", None),
                                          ("wasserstein", "gradient_penalty"),
                                          ("hinge", "r1")])
def test_mirrored_step_matches_single_device(strategy, real_images, loss, penalty):
    batch = real_images[:8]
    single = _make(loss, penalty)
    init = single.get_weights()
    single.fit(batch, batch_size=8, epochs=1, shuffle=False, verbose=0)

    with strategy.scope():
        mirrored = _make(loss, penalty)
        mirrored.set_weights(init)
    ds = tf.data.Dataset.from_tensor_slices(batch).batch(8)
    hist = mirrored.fit(ds, epochs=1, verbose=0)
    assert mirrored.distribute_strategy.num_replicas_in_sync == 2

    # Weights moved, and identically on 1 and 2 devices (synchronized
    # BatchNorm, per-replica slices of the global noise, losses scaled to the
    # global batch, gradients summed over replicas).
    moved = [np.abs(a - b).max() for a, b in zip(single.get_weights(), init)]
    assert max(moved) > 1e-3
    for a, b, w in zip(single.get_weights(), mirrored.get_weights(), single.weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5, err_msg=w.path)
    assert np.isfinite(hist.history["d_loss"][0])


def test_mirrored_trains_with_batchnorm_critic_and_penalty_and_ema(strategy, real_images):
    # Double backprop through synchronized BatchNorm collectives, plus EMA
    # weight updates in replica context, several epochs.
    with strategy.scope():
        gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                    discriminator_width=8, ema_decay=0.9, d_steps=2)
        with pytest.warns(UserWarning, match="discriminator_norm='layer'"):
            gan.compile(loss="wasserstein", penalty="gradient_penalty")
    ds = tf.data.Dataset.from_tensor_slices(real_images).batch(8, drop_remainder=True)
    hist = gan.fit(ds, epochs=2, verbose=0)
    assert np.all(np.isfinite(hist.history["d_loss"]))
    assert int(gan.d_optimizer.iterations.numpy()) == 2 * int(gan.g_optimizer.iterations.numpy()) == 16
    ema = [w.numpy() for w in gan.ema_generator.trainable_weights + gan.ema_generator.non_trainable_weights]
    assert all(np.all(np.isfinite(w)) for w in ema)
    assert gan.generate(4, seed=0).shape == (4, 16, 16, 3)
