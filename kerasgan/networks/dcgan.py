"""DCGAN generator and discriminator (Radford et al. 2016).

Generator: latent vector -> 4x4 by a transposed convolution, then stride-2
transposed convolutions doubling the size, BatchNorm + ReLU, tanh output.
Discriminator: stride-2 convolutions with LeakyReLU(0.2), BatchNorm after the
first, a 4x4 valid convolution to one logit. Weights ~ N(0, 0.02) as in the
paper. The layout follows the reference DCGAN of pytorch/examples (nz=100,
ngf=ndf=64 at 64x64).
"""

from __future__ import annotations

import math

import keras
from keras import layers

from kerasgan.backend import num_replicas

SUPPORTED_SIZES = (16, 32, 64, 128, 256)
DISCRIMINATOR_NORMS = ("batch", "layer", "spectral", "none")


def _check_size(image_size):
    if image_size not in SUPPORTED_SIZES:
        raise ValueError(
            f"DCGAN image_size must be one of {SUPPORTED_SIZES}; received {image_size!r}."
        )
    return int(math.log2(image_size)) - 2  # number of stride-2 stages


def _init():
    return keras.initializers.RandomNormal(0.0, 0.02)


def _batch_norm(sync):
    # Synchronise only when built for several replicas: Keras's synchronized
    # path would otherwise still run (E[x^2] - E[x]^2 variance, an all-reduce
    # of one) on a single device.
    return layers.BatchNormalization(
        momentum=0.9,
        epsilon=1e-5,
        gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02),
        synchronized=bool(sync) and num_replicas() > 1,
    )


def dcgan_generator(
    image_size: int = 64,
    latent_dim: int = 100,
    width: int = 64,
    channels: int = 3,
    norm: str = "batch",
    sync_batchnorm: bool = True,
    name: str = "generator",
) -> keras.Model:
    """Builds the DCGAN generator.

    Args:
        image_size: Output side (16, 32, 64, 128 or 256).
        latent_dim: Size of the latent vector z.
        width: Channels of the last hidden layer (ngf); earlier layers double it.
        channels: Output image channels.
        norm: `"batch"` (the paper's BatchNorm after every hidden layer) or
            `"none"`.
        sync_batchnorm: Synchronise BatchNorm statistics across replicas when
            built under a multi-replica `tf.distribute` strategy, so
            multi-device training computes the same update as one device on
            the global batch. Plain BatchNorm on one device.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `(batch, latent_dim)` to images in
        [-1, 1] of shape `(batch, image_size, image_size, channels)`.
    """
    stages = _check_size(image_size)
    if norm not in ("batch", "none"):
        raise ValueError(f"Generator norm must be 'batch' or 'none'; received {norm!r}.")

    def normalize(x):
        return _batch_norm(sync_batchnorm)(x) if norm == "batch" else x

    z = keras.Input((latent_dim,), name="latent")
    x = layers.Reshape((1, 1, latent_dim))(z)
    filters = width * 2 ** (stages - 1)
    x = layers.Conv2DTranspose(
        filters, 4, strides=1, padding="valid", use_bias=norm == "none",
        kernel_initializer=_init()
    )(x)
    x = normalize(x)
    x = layers.ReLU()(x)
    for _ in range(stages - 1):
        filters //= 2
        x = layers.Conv2DTranspose(
            filters, 4, strides=2, padding="same", use_bias=norm == "none",
            kernel_initializer=_init()
        )(x)
        x = normalize(x)
        x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(
        channels, 4, strides=2, padding="same", use_bias=False, kernel_initializer=_init()
    )(x)
    images = layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model(z, images, name=name)


def dcgan_discriminator(
    image_size: int = 64,
    width: int = 64,
    channels: int = 3,
    norm: str = "batch",
    sync_batchnorm: bool = True,
    name: str = "discriminator",
) -> keras.Model:
    """Builds the DCGAN discriminator.

    Args:
        image_size: Input side (16, 32, 64, 128 or 256).
        width: Channels of the first convolution (ndf); later layers double it.
        channels: Input image channels.
        norm: Normalisation after each hidden convolution but the first:
            `"batch"` (the paper's BatchNorm), `"layer"` (LayerNorm: the
            choice with gradient penalties, whose per-sample gradients BatchNorm
            mixes across the batch -- Gulrajani et al. 2017, section 4),
            `"spectral"` (spectral normalisation of every convolution, Miyato
            et al. 2018: a Lipschitz constraint that keeps D from outrunning G)
            or `"none"`.
        sync_batchnorm: See `dcgan_generator`.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping images to one logit per image,
        shape `(batch, 1)`, in float32.
    """
    stages = _check_size(image_size)
    if norm not in DISCRIMINATOR_NORMS:
        raise ValueError(
            f"norm must be one of {DISCRIMINATOR_NORMS}; received {norm!r}."
        )
    spectral_norm = norm == "spectral"

    def conv(filters, kernel, strides, padding):
        layer = layers.Conv2D(
            filters, kernel, strides=strides, padding=padding,
            use_bias=spectral_norm, kernel_initializer=_init(),
        )
        return layers.SpectralNormalization(layer) if spectral_norm else layer

    images = keras.Input((image_size, image_size, channels), name="images")
    x = conv(width, 4, 2, "same")(images)
    x = layers.LeakyReLU(0.2)(x)
    filters = width
    for _ in range(stages - 1):
        filters *= 2
        x = conv(filters, 4, 2, "same")(x)
        if norm == "batch":
            x = _batch_norm(sync_batchnorm)(x)
        elif norm == "layer":
            x = layers.LayerNormalization(axis=(1, 2, 3), epsilon=1e-5)(x)
        x = layers.LeakyReLU(0.2)(x)
    x = conv(1, 4, 1, "valid")(x)
    logits = layers.Flatten(dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name=name)
