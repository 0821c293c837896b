"""CycleGAN networks (Zhu et al. 2017, appendix 7.2).

Generator: the ResNet of Johnson et al. 2016 -- a reflection-padded 7x7
convolution, two stride-2 downsampling convolutions, `num_residual_blocks`
residual blocks (reflection padding, 3x3 convolutions, instance
normalisation), two stride-2 transposed convolutions and a 7x7 convolution to
a tanh image ("c7s1-64, d128, d256, R256 x 9, u128, u64, c7s1-3"). With
`upsampling="resize"` each transposed convolution is replaced by a nearest
neighbour 2x resize and a 3x3 convolution, which avoids the checkerboard
texture of uneven kernel overlap (Odena et al. 2016). It is fully
convolutional: it takes images of any height and width that are multiples of
4 (and at least 8).

Discriminator: the 70x70 PatchGAN of Isola et al. 2017 ("C64-C128-C256-C512"
with `discriminator_layers=3`): 4x4 convolutions with LeakyReLU(0.2), instance
normalisation after all but the first, and a final convolution to one logit
per overlapping patch, output `(batch, h', w', 1)`.

Weights are initialised ~ N(0, 0.02) as in the reference implementation.
Instance normalisation is `keras.layers.GroupNormalization(groups=-1)` (one
group per channel), with learned scale and offset.
"""

from __future__ import annotations

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="kerasgan")
class ReflectionPadding2D(layers.Layer):
    """Pads the height and width of `(batch, h, w, c)` images by reflection.

    Reflection padding avoids the dark borders zero padding leaves in
    generated images. Each padding must be smaller than the padded side.

    Args:
        padding: An int (same on all sides) or `((top, bottom), (left, right))`.
        **kwargs: `keras.layers.Layer` arguments.

    Example:
    ```python
    x = ReflectionPadding2D(3)(images)   # (b, h + 6, w + 6, c)
    ```
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, int):
            padding = ((padding, padding), (padding, padding))
        self.padding = tuple(tuple(int(p) for p in pair) for pair in padding)
        if len(self.padding) != 2 or any(len(p) != 2 or min(p) < 0 for p in self.padding):
            raise ValueError(
                "padding must be an int or ((top, bottom), (left, right)) of "
                f"non-negative ints; received {padding!r}."
            )

    def call(self, inputs):
        (top, bottom), (left, right) = self.padding
        return ops.pad(inputs, ((0, 0), (top, bottom), (left, right), (0, 0)), mode="reflect")

    def compute_output_shape(self, input_shape):
        (top, bottom), (left, right) = self.padding
        b, h, w, c = input_shape
        return (b, None if h is None else h + top + bottom,
                None if w is None else w + left + right, c)

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding
        return config


def instance_norm(name: str | None = None) -> layers.Layer:
    """Instance normalisation (Ulyanov et al. 2016): per-sample, per-channel.

    Keras's `GroupNormalization` with one group per channel.
    """
    return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)


def _init():
    return keras.initializers.RandomNormal(0.0, 0.02)


def _conv(filters, kernel, strides=1, padding="valid", name=None):
    # Instance normalisation follows every hidden convolution: no bias.
    return layers.Conv2D(filters, kernel, strides=strides, padding=padding,
                         use_bias=False, kernel_initializer=_init(), name=name)


UPSAMPLING_MODES = ("transpose", "resize")


def upsample_block(x, filters: int, upsampling: str = "transpose"):
    """Doubles the height and width of `x` and maps it to `filters` channels.

    Args:
        x: A `(batch, h, w, c)` Keras tensor.
        filters: Output channels.
        upsampling: `"transpose"` (a 3x3 stride-2 transposed convolution, as in
            the paper) or `"resize"` (nearest-neighbour 2x resize, reflection
            padding and a 3x3 convolution: every output pixel sees the same
            number of kernel taps, so no checkerboard pattern).

    Returns:
        The `(batch, 2h, 2w, filters)` tensor, before normalisation.
    """
    if upsampling == "transpose":
        return layers.Conv2DTranspose(filters, 3, strides=2, padding="same", use_bias=False,
                                      kernel_initializer=_init())(x)
    if upsampling == "resize":
        x = layers.UpSampling2D(2, interpolation="nearest")(x)
        x = ReflectionPadding2D(1)(x)
        return _conv(filters, 3)(x)
    raise ValueError(
        f"upsampling must be one of {UPSAMPLING_MODES}; received {upsampling!r}."
    )


def resnet_generator(
    channels: int = 3,
    width: int = 64,
    num_residual_blocks: int = 9,
    out_channels: int | None = None,
    name: str = "generator",
    upsampling: str = "transpose",
) -> keras.Model:
    """Builds the CycleGAN ResNet generator.

    Args:
        channels: Input image channels.
        width: Channels of the first convolution (ngf); the two downsampling
            stages double it twice.
        num_residual_blocks: Residual blocks at the lowest resolution (9 for
            256x256 in the paper, 6 for 128x128).
        out_channels: Output channels (default: `channels`).
        name: Model name.
        upsampling: `"transpose"` (the paper's transposed convolutions) or
            `"resize"` (resize then convolve; no checkerboard texture). See
            `upsample_block`.

    Returns:
        A functional `keras.Model` mapping float images in [-1, 1] of shape
        `(batch, h, w, channels)` -- h and w multiples of 4, at least 8 -- to
        images in [-1, 1] of the same size, in float32.

    Example:
    ```python
    g = kerasgan.networks.resnet_generator(width=32, num_residual_blocks=6)
    y = g(np.zeros((1, 128, 128, 3), "float32"))   # (1, 128, 128, 3)
    ```
    """
    if width < 1 or num_residual_blocks < 0 or channels < 1:
        raise ValueError(
            "width and channels must be positive and num_residual_blocks "
            f"non-negative; received width={width}, channels={channels}, "
            f"num_residual_blocks={num_residual_blocks}."
        )
    out_channels = out_channels or channels
    images = keras.Input((None, None, channels), name="images")
    x = ReflectionPadding2D(3)(images)
    x = _conv(width, 7)(x)
    x = instance_norm()(x)
    x = layers.ReLU()(x)
    filters = width
    for _ in range(2):
        filters *= 2
        x = _conv(filters, 3, strides=2, padding="same")(x)
        x = instance_norm()(x)
        x = layers.ReLU()(x)
    for i in range(num_residual_blocks):
        y = ReflectionPadding2D(1)(x)
        y = _conv(filters, 3)(y)
        y = instance_norm()(y)
        y = layers.ReLU()(y)
        y = ReflectionPadding2D(1)(y)
        y = _conv(filters, 3)(y)
        y = instance_norm()(y)
        x = layers.Add(name=f"residual_{i}")([x, y])
    for _ in range(2):
        filters //= 2
        x = upsample_block(x, max(filters, 1), upsampling)
        x = instance_norm()(x)
        x = layers.ReLU()(x)
    x = ReflectionPadding2D(3)(x)
    x = layers.Conv2D(out_channels, 7, kernel_initializer=_init())(x)
    outputs = layers.Activation("tanh", dtype="float32", name="translated")(x)
    return keras.Model(images, outputs, name=name)


def patch_output_size(image_size: int, num_layers: int = 3) -> int:
    """Side of the PatchGAN's logit map for a square input of `image_size`."""
    size = image_size
    for _ in range(num_layers):
        size = (size + 2 - 4) // 2 + 1
    for _ in range(2):
        size = size + 2 - 4 + 1
    return size


def patch_discriminator(
    channels: int = 3,
    width: int = 64,
    num_layers: int = 3,
    image_size: int | None = None,
    name: str = "discriminator",
) -> keras.Model:
    """Builds the PatchGAN discriminator.

    Args:
        channels: Input image channels.
        width: Channels of the first convolution (ndf); each stride-2 layer
            doubles them, capped at 8x.
        num_layers: Stride-2 layers (3 gives the 70x70 receptive field of the
            paper; use 2 for images of 16-31 px).
        image_size: If given, checks the logit map is not empty at this size.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping images `(batch, h, w, channels)`
        to patch logits `(batch, h', w', 1)` in float32 (30x30 for 256x256
        with 3 layers).
    """
    if num_layers < 1 or width < 1:
        raise ValueError(
            f"num_layers and width must be positive; received {num_layers}, {width}."
        )
    if image_size is not None and patch_output_size(image_size, num_layers) < 1:
        smallest = next(s for s in range(1, 10_000)
                        if patch_output_size(s, num_layers) >= 1)
        raise ValueError(
            f"A PatchGAN with {num_layers} stride-2 layers needs images of at "
            f"least {smallest}x{smallest}; image_size is {image_size}. Lower "
            "discriminator_layers or raise image_size."
        )

    def conv(filters, strides):
        return [layers.ZeroPadding2D(1),
                layers.Conv2D(filters, 4, strides=strides, kernel_initializer=_init(),
                              use_bias=False)]

    images = keras.Input((None, None, channels), name="images")
    x = layers.ZeroPadding2D(1)(images)
    x = layers.Conv2D(width, 4, strides=2, kernel_initializer=_init())(x)
    x = layers.LeakyReLU(0.2)(x)
    for n in range(1, num_layers + 1):
        filters = width * min(2 ** n, 8)
        for layer in conv(filters, 2 if n < num_layers else 1):
            x = layer(x)
        x = instance_norm()(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.ZeroPadding2D(1)(x)
    x = layers.Conv2D(1, 4, kernel_initializer=_init())(x)
    logits = layers.Activation("linear", dtype="float32", name="patch_logits")(x)
    return keras.Model(images, logits, name=name)
