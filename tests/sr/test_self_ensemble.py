"""Geometric self-ensemble in `upscale_images` / `upscale` / `evaluate_sr`."""

import keras
import numpy as np
import pytest

from kerasgan.models.srgan import SRResNet
from kerasgan.sr import upscale_images
from kerasgan.utils.images import to_uint8


def _equivariant_upscaler():
    # Nearest-neighbour x4 then a pointwise colour map: commutes with flips and rotations.
    net = keras.Sequential([keras.Input((None, None, 3)),
                            keras.layers.UpSampling2D(4, interpolation="nearest"),
                            keras.layers.Conv2D(3, 1)])
    net.layers[-1].set_weights([np.array([[[[0.9, 0.1, 0.0], [0.0, 0.8, 0.1], [0.1, 0.0, 0.7]]]],
                                         "float32"), np.array([0.05, -0.02, 0.0], "float32")])
    return net


def test_equivariant_network_is_unchanged_by_self_ensemble():
    image = np.random.default_rng(0).integers(0, 256, (9, 13, 3), dtype="uint8")
    net = _equivariant_upscaler()
    plain = upscale_images(net, image, 4, tile=None)
    ensembled = upscale_images(net, image, 4, tile=None, self_ensemble=True)
    assert ensembled.shape == (36, 52, 3)
    assert np.abs(plain.astype(int) - ensembled.astype(int)).max() <= 1


def test_self_ensemble_is_the_mean_of_the_eight_mapped_back_outputs():
    image = np.random.default_rng(1).integers(0, 256, (7, 11, 3), dtype="uint8")
    model = SRResNet(num_blocks=1, width=8, output_activation="linear")
    net = model.generator
    outs = []
    for k in range(4):
        for flip in (False, True):
            x = np.rot90(image, k)
            x = np.ascontiguousarray(x[:, ::-1] if flip else x)
            y = keras.ops.convert_to_numpy(net(x[None].astype("float32") / 127.5 - 1.0))[0]
            y = y[:, ::-1] if flip else y
            outs.append(np.rot90(y, -k))
    expected = to_uint8(np.mean(outs, axis=0))
    got = model.upscale(image, self_ensemble=True)
    assert got.shape == (28, 44, 3)
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
    # A random network is not equivariant: the ensemble must differ from one pass.
    assert np.abs(got.astype(int) - model.upscale(image).astype(int)).max() > 1
    # Batches and tiles go through the same path.
    batch = model.upscale(np.stack([image, image]), tile=4, overlap=8, self_ensemble=True)
    assert batch.shape == (2, 28, 44, 3)
    assert np.abs(batch[0].astype(int) - got.astype(int)).max() <= 1
