"""CycleGAN generator upsampling: transposed convolution vs resize-convolution."""

import keras
import numpy as np
import pytest

from kerasgan.models import CycleGAN
from kerasgan.networks.cyclegan import resnet_generator, upsample_block


def _upsample_ones(mode):
    """Upsamples an all-ones map with an all-ones kernel; returns the output."""
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, upsample_block(inputs, 1, mode))
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([np.ones_like(w) for w in layer.get_weights()])
    return keras.ops.convert_to_numpy(model(np.ones((1, 8, 8, 1), "float32")))[0, ..., 0]


def test_transpose_upsampling_leaves_a_checkerboard_and_resize_does_not():
    transpose = _upsample_ones("transpose")
    resize = _upsample_ones("resize")
    assert transpose.shape == resize.shape == (16, 16)
    inner_t, inner_r = transpose[2:-2, 2:-2], resize[2:-2, 2:-2]
    # A 3x3 stride-2 transposed kernel covers output pixels 1, 2 or 4 times:
    # a period-2 pattern on a constant input.
    assert sorted(np.unique(inner_t)) == [1.0, 2.0, 4.0]
    assert inner_t[0, 0] != inner_t[0, 1]
    # Resize then convolve: every pixel sums the same nine taps.
    np.testing.assert_allclose(resize, 9.0)


@pytest.mark.parametrize("mode", ["transpose", "resize"])
def test_generator_keeps_size_with_both_upsampling_modes(mode):
    g = resnet_generator(width=4, num_residual_blocks=1, upsampling=mode)
    out = keras.ops.convert_to_numpy(g(np.zeros((2, 20, 12, 3), "float32")))
    assert out.shape == (2, 20, 12, 3)
    kinds = {type(layer).__name__ for layer in g.layers}
    assert ("Conv2DTranspose" in kinds) == (mode == "transpose")
    assert ("UpSampling2D" in kinds) == (mode == "resize")


def test_unknown_upsampling_is_rejected_with_the_accepted_values():
    with pytest.raises(ValueError, match=r"upsampling must be one of .*'bilinear'"):
        resnet_generator(width=4, num_residual_blocks=0, upsampling="bilinear")
    with pytest.raises(ValueError, match="upsampling"):
        CycleGAN(image_size=32, generator_width=4, num_residual_blocks=0,
                 discriminator_width=4, discriminator_layers=2, upsampling="pixel")


def test_cyclegan_upsampling_round_trips_through_config():
    model = CycleGAN(image_size=16, generator_width=4, num_residual_blocks=0,
                     discriminator_width=4, discriminator_layers=2, upsampling="resize")
    config = model.get_config()
    assert config["upsampling"] == "resize"
    clone = CycleGAN.from_config(config)
    assert clone.upsampling == "resize"
    assert any(type(layer).__name__ == "UpSampling2D" for layer in clone.generator_ab.layers)
    # Configs saved before the option existed load with the paper's default.
    del config["upsampling"]
    assert CycleGAN.from_config(config).upsampling == "transpose"
