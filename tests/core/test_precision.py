"""Mixed precision and XLA compilation."""

import keras
import numpy as np
import pytest

import kerasgan


@pytest.mark.parametrize("penalty,policy", [
    pytest.param(None, "mixed_float16", marks=pytest.mark.multibackend),  # LossScaleOptimizer
    (None, "mixed_bfloat16"),
    ("gradient_penalty", "mixed_float16"),
    ("gradient_penalty", "mixed_bfloat16"),
])
def test_mixed_precision_trains(real_images, policy, penalty):
    if keras.backend.backend() == "torch" and (policy == "mixed_float16" or penalty):
        # Plain Keras models fail the same way: PyTorch's CPU convolution
        # cannot take float16 gradients (nor bfloat16 second derivatives).
        pytest.skip("PyTorch CPU: slow_conv2d: grad_weight must be contiguous")
    keras.mixed_precision.set_global_policy(policy)
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8,
                                discriminator_norm="layer" if penalty else "batch")
    gan.compile(loss="non_saturating" if not penalty else "wasserstein", penalty=penalty)
    if policy == "mixed_float16":
        assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
        assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    else:
        assert not isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    hist = gan.fit(real_images, batch_size=8, epochs=2, verbose=0)
    for name, values in hist.history.items():
        assert np.all(np.isfinite(values)), name
    # Compute in low precision, variables and outputs in float32.
    assert gan.generator.layers[2].compute_dtype in ("float16", "bfloat16")
    assert gan.generator.trainable_variables[0].dtype == "float32"
    images = gan.generate(2, seed=0)
    assert images.dtype == np.uint8


@pytest.mark.parametrize("penalty", [None, "r1"])
def test_jit_compile(real_images, penalty):
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8, discriminator_norm="layer")
    gan.compile(loss="hinge", penalty=penalty, jit_compile=True)
    hist = gan.fit(real_images, batch_size=8, epochs=2, verbose=0)
    assert gan.jit_compile is True
    assert np.all(np.isfinite(hist.history["g_loss"]))
