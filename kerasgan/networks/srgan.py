"""SRResNet generator and SRGAN discriminator (Ledig et al. 2017, "Photo-Realistic
Single Image Super-Resolution Using a Generative Adversarial Network", CVPR).

Generator (paper, Figure 4): 9x9 convolution + PReLU; `num_blocks` residual
blocks (3x3 conv - BatchNorm - PReLU - 3x3 conv - BatchNorm, plus identity
skip); 3x3 conv - BatchNorm plus a long skip from the first layer; log2(scale)
sub-pixel x2 stages (3x3 conv to 4C channels, pixel shuffle (Shi et al. 2016),
PReLU); a 9x9 convolution to the image. It is fully convolutional: input shape
`(None, None, channels)`, any size.

Output activation: the paper scales HR images to [-1, 1] and leaves the last
layer's activation unstated; kerasgan's images live in [-1, 1], so the default
is `tanh` (as in most reimplementations). `output_activation="linear"` gives an
unbounded output (clipped when converted to uint8), which some PSNR-oriented
models prefer because tanh saturates near pure black/white.

Discriminator (paper, Figure 4): eight 3x3 convolutions 64-64-128-128-256-256-
512-512 with strides 1-2-1-2-1-2-1-2, LeakyReLU(0.2), BatchNorm after every
convolution but the first, then Dense(1024), LeakyReLU(0.2) and Dense(1) -- a
logit (the paper's sigmoid is applied by the loss). The dense head needs a
fixed input size: the HR training patch (96 in the paper).
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops

from kerasgan.backend import num_replicas

OUTPUT_ACTIVATIONS = ("tanh", "linear")
SUPPORTED_SCALES = (2, 3, 4, 8)


@keras.saving.register_keras_serializable(package="kerasgan")
class PixelShuffle(layers.Layer):
    """Sub-pixel rearrangement `(b, h, w, r*r*c) -> (b, r*h, r*w, c)`.

    The same channel order as `tf.nn.depth_to_space` (channel index
    `(i * r + j) * c + k` goes to offset `(i, j)`, channel `k`), written with
    `keras.ops` so it works for unknown spatial sizes.

    Args:
        factor: Upsampling factor r.
    """

    def __init__(self, factor: int = 2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(factor, int) or factor < 1:
            raise ValueError(f"factor must be a positive integer; received {factor!r}.")
        self.factor = factor

    def call(self, inputs):
        r = self.factor
        shape = ops.shape(inputs)
        b, h, w = shape[0], shape[1], shape[2]
        c = inputs.shape[-1] // (r * r)
        x = ops.reshape(inputs, (b, h, w, r, r, c))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
        return ops.reshape(x, (b, h * r, w * r, c))

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        r = self.factor
        return (b, None if h is None else h * r, None if w is None else w * r, c // (r * r))

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


def _batch_norm(sync: bool, name=None):
    # Synchronise only when built for several replicas (see networks/dcgan.py).
    return layers.BatchNormalization(momentum=0.99, epsilon=1e-5,
                                     synchronized=bool(sync) and num_replicas() > 1,
                                     name=name)


def _prelu(name=None):
    # One slope per channel, shared over space: needed for unknown sizes.
    return layers.PReLU(shared_axes=[1, 2],
                        alpha_initializer=keras.initializers.Constant(0.25), name=name)


def upsampling_stages(scale: int) -> list[int]:
    """The sub-pixel factors for `scale`: [2, 2] for 4, [3] for 3, [2, 2, 2] for 8."""
    if scale not in SUPPORTED_SCALES:
        raise ValueError(f"scale must be one of {SUPPORTED_SCALES}; received {scale!r}.")
    return [3] if scale == 3 else [2] * int(math.log2(scale))


def srresnet_generator(
    scale: int = 4,
    num_blocks: int = 16,
    width: int = 64,
    batch_norm: bool = True,
    output_activation: str = "tanh",
    channels: int = 3,
    sync_batchnorm: bool = True,
    name: str = "generator",
) -> keras.Model:
    """Builds the SRResNet generator (Ledig et al. 2017, Figure 4).

    Args:
        scale: Upscaling factor: 2, 3, 4 (the paper) or 8.
        num_blocks: Residual blocks B (16 in the paper).
        width: Feature channels (64 in the paper).
        batch_norm: BatchNorm in the residual blocks and after the trunk
            (the paper). False drops it, as later models (EDSR) do.
        output_activation: `"tanh"` (default; outputs in [-1, 1]) or `"linear"`.
        channels: Image channels.
        sync_batchnorm: Synchronise BatchNorm statistics across replicas.
        name: Model name.

    Returns:
        A functional `keras.Model`: `(b, h, w, channels)` in [-1, 1] ->
        `(b, scale*h, scale*w, channels)`.

    Example:
    ```python
    g = kerasgan.networks.srresnet_generator(scale=4, num_blocks=16, width=64)
    sr = g(lr)  # (b, 4h, 4w, 3)
    ```
    """
    stages = upsampling_stages(scale)
    if not isinstance(num_blocks, int) or num_blocks < 0:
        raise ValueError(f"num_blocks must be a non-negative integer; received {num_blocks!r}.")
    if not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be a positive integer; received {width!r}.")
    if output_activation not in OUTPUT_ACTIVATIONS:
        raise ValueError(f"output_activation must be one of {OUTPUT_ACTIVATIONS}; "
                         f"received {output_activation!r}.")

    def conv(filters, kernel, lname=None):
        return layers.Conv2D(filters, kernel, padding="same", name=lname)

    inputs = keras.Input((None, None, channels), name="lr")
    x = conv(width, 9, "head_conv")(inputs)
    x = _prelu("head_prelu")(x)
    skip = x
    for i in range(num_blocks):
        y = conv(width, 3, f"res{i}_conv1")(x)
        if batch_norm:
            y = _batch_norm(sync_batchnorm, f"res{i}_bn1")(y)
        y = _prelu(f"res{i}_prelu")(y)
        y = conv(width, 3, f"res{i}_conv2")(y)
        if batch_norm:
            y = _batch_norm(sync_batchnorm, f"res{i}_bn2")(y)
        x = layers.Add(name=f"res{i}_add")([x, y])
    x = conv(width, 3, "trunk_conv")(x)
    if batch_norm:
        x = _batch_norm(sync_batchnorm, "trunk_bn")(x)
    x = layers.Add(name="trunk_add")([x, skip])
    for i, factor in enumerate(stages):
        x = conv(width * factor * factor, 3, f"up{i}_conv")(x)
        x = PixelShuffle(factor, name=f"up{i}_shuffle")(x)
        x = _prelu(f"up{i}_prelu")(x)
    x = conv(channels, 9, "tail_conv")(x)
    outputs = layers.Activation(output_activation, dtype="float32", name="sr")(x)
    return keras.Model(inputs, outputs, name=name)


def srgan_discriminator(
    hr_patch: int = 96,
    width: int = 64,
    channels: int = 3,
    batch_norm: bool = True,
    dense_units: int | None = None,
    sync_batchnorm: bool = True,
    name: str = "discriminator",
) -> keras.Model:
    """Builds the SRGAN discriminator (Ledig et al. 2017, Figure 4).

    The activations after each convolution are named `block1_act` ...
    `block8_act` (the feature-matching content loss reads them).

    Args:
        hr_patch: Side of the HR patches it judges (96 in the paper); a
            multiple of 16.
        width: Channels of the first convolution (64 in the paper); the others
            are 1, 2, 4 and 8 times it.
        channels: Image channels.
        batch_norm: BatchNorm after convolutions 2-8 (the paper).
        dense_units: Units of the hidden dense layer (default `16 * width`,
            1024 in the paper).
        sync_batchnorm: Synchronise BatchNorm statistics across replicas.
        name: Model name.

    Returns:
        A functional `keras.Model`: `(b, hr_patch, hr_patch, channels)` ->
        `(b, 1)` logits (float32).

    Example:
    ```python
    d = kerasgan.networks.srgan_discriminator(hr_patch=96)
    logits = d(hr_batch)  # (b, 1)
    ```
    """
    if not isinstance(hr_patch, int) or hr_patch < 16 or hr_patch % 16:
        raise ValueError(f"hr_patch must be a positive multiple of 16; received {hr_patch!r}.")
    if not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be a positive integer; received {width!r}.")
    dense_units = int(dense_units or 16 * width)
    inputs = keras.Input((hr_patch, hr_patch, channels), name="hr")
    x = inputs
    plan = [(1, 1), (1, 2), (2, 1), (2, 2), (4, 1), (4, 2), (8, 1), (8, 2)]
    for i, (mult, stride) in enumerate(plan, start=1):
        x = layers.Conv2D(width * mult, 3, strides=stride, padding="same",
                          name=f"block{i}_conv")(x)
        if batch_norm and i > 1:
            x = _batch_norm(sync_batchnorm, f"block{i}_bn")(x)
        x = layers.LeakyReLU(0.2, name=f"block{i}_act")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, name="dense")(x)
    x = layers.LeakyReLU(0.2, name="dense_act")(x)
    outputs = layers.Dense(1, dtype="float32", name="logit")(x)
    return keras.Model(inputs, outputs, name=name)


#: Discriminator activations the feature-matching content loss compares by
#: default: the output of each stride-2 block (four scales).
DEFAULT_FEATURE_LAYERS = ("block2_act", "block4_act", "block6_act", "block8_act")
