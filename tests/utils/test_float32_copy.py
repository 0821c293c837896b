import keras
import numpy as np

import kerasgan
from kerasgan.utils.precision import float32_copy


def tiny():
    return kerasgan.models.CycleGAN(image_size=32, generator_width=4, num_residual_blocks=1,
                                    discriminator_width=4, seed=0)


def test_float32_model_is_returned_as_is():
    model = tiny()
    assert float32_copy(model) is model


def test_mixed_precision_model_becomes_float32_with_the_same_weights():
    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        mixed = tiny()
    finally:
        keras.mixed_precision.set_global_policy(policy)
    assert mixed.dtype_policy.name == "mixed_bfloat16"
    copy = float32_copy(mixed)
    assert copy is not mixed and copy.dtype_policy.name == "float32"
    assert copy.get_config()["dtype"]["config"]["name"] == "float32"
    for a, b in zip(mixed.get_weights(), copy.get_weights()):
        np.testing.assert_array_equal(a, b)
    image = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    out = copy.translate(image, crop="none")
    # float32 and bfloat16 inference of the same weights: close, not equal.
    diff = np.abs(out.astype(int) - mixed.translate(image, crop="none").astype(int))
    assert out.dtype == np.uint8 and diff.mean() < 8
    bare = float32_copy(mixed, copy_weights=False)
    assert bare.dtype_policy.name == "float32"
