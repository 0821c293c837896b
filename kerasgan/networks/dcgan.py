"""DCGAN generator and discriminator (Radford et al. 2016).

Generator: latent vector -> 4x4 by a transposed convolution, then stride-2
transposed convolutions doubling the size, BatchNorm + ReLU, tanh output.
Discriminator: stride-2 convolutions with LeakyReLU(0.2), BatchNorm after the
first, a 4x4 valid convolution to one logit; optionally a minibatch standard
deviation feature map before that last convolution (Karras et al. 2018).
Weights ~ N(0, 0.02) as in the paper. The layout follows the reference DCGAN
of pytorch/examples (nz=100, ngf=ndf=64 at 64x64).
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops

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


@keras.saving.register_keras_serializable(package="kerasgan")
class MinibatchStdDev(layers.Layer):
    """Appends the batch's standard deviation as one more feature map (ProGAN).

    Karras et al. 2018 (section 3): the batch is split into groups of
    `group_size` images; within each group the standard deviation of every
    feature at every position is taken over the images, averaged into one
    number, and appended to each of the group's images as a constant
    channel. A discriminator that sees this can tell a batch of near-copies
    (mode collapse) from a batch as varied as the data, which pushes the
    generator towards variety.

    The batch is the one the layer is called on: under `tf.distribute`, each
    replica's own slice. Image `i` joins group `i mod (batch / group_size)`.
    When `group_size` does not divide the batch (a smaller last batch, an odd
    per-replica batch), the whole batch is one group; a batch smaller than
    `group_size` is one group too.

    Args:
        group_size: Images per group (ProGAN's 4).
        epsilon: Added to the variance before the square root.

    Input shape: `(batch, height, width, channels)`.
    Output shape: `(batch, height, width, channels + 1)`.
    """

    def __init__(self, group_size: int = 4, epsilon: float = 1e-8, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(group_size, int) or isinstance(group_size, bool) or group_size < 2:
            raise ValueError(
                f"MinibatchStdDev group_size must be an integer >= 2; received {group_size!r}."
            )
        self.group_size = group_size
        self.epsilon = float(epsilon)

    def _groups(self, batch):
        if isinstance(batch, int):  # static batch size: decide in Python
            size = min(self.group_size, batch)
            return size if batch % size == 0 else batch
        size = ops.minimum(self.group_size, batch)
        return ops.where(ops.equal(ops.mod(batch, size), 0), size, batch)

    def call(self, inputs):
        shape = ops.shape(inputs)
        height, width, channels = shape[1], shape[2], shape[3]
        size = self._groups(shape[0])
        # (size, batch / size, h, w, c): image i is row i // m of group i % m.
        x = ops.reshape(ops.cast(inputs, "float32"), (size, -1, height, width, channels))
        deviation = x - ops.mean(x, axis=0, keepdims=True)
        std = ops.sqrt(ops.mean(ops.square(deviation), axis=0) + self.epsilon)
        std = ops.mean(std, axis=(1, 2, 3), keepdims=True)  # (m, 1, 1, 1): one per group
        feature = ops.zeros_like(x[..., :1]) + std[None]     # (size, m, h, w, 1)
        feature = ops.reshape(feature, (-1, height, width, 1))
        return ops.concatenate([inputs, ops.cast(feature, inputs.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        channels = None if input_shape[-1] is None else input_shape[-1] + 1
        return tuple(input_shape[:-1]) + (channels,)

    def get_config(self):
        config = super().get_config()
        config.update({"group_size": self.group_size, "epsilon": self.epsilon})
        return config


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
    minibatch_std: bool = False,
    minibatch_std_group: int = 4,
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
        minibatch_std: Append a `MinibatchStdDev` feature map before the last
            convolution (ProGAN's remedy for mode collapse). It mixes the
            images of a batch, as BatchNorm does.
        minibatch_std_group: Its `group_size`.
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
    if minibatch_std:
        x = MinibatchStdDev(minibatch_std_group, name="minibatch_std")(x)
    x = conv(1, 4, 1, "valid")(x)
    logits = layers.Flatten(dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name=name)
