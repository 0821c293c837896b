"""Content losses for super-resolution: pixel and perceptual (feature-space) losses.

Both are `keras.losses.Loss` subclasses called as `loss(hr, sr)` on images in
[-1, 1], reduced `sum_over_batch_size` in float32, so under `tf.distribute`
they are scaled to the global batch like every Keras loss.

- `PixelLoss("mse")`: the SRResNet objective (Ledig et al. 2017, eq. 4);
  `"mae"` (L1) is the common alternative.
- `PerceptualLoss(feature_extractor)`: squared (or absolute) distance between
  feature maps of any Keras model -- the paper's VGG loss (eq. 5) with
  `vgg19_features("block5_conv4")` ("VGG54").

VGG19's ImageNet weights come from the Keras cache or a path; nothing is
downloaded unless `allow_download=True`. Without them, `kerasgan.models.SRGAN`
offers `content_loss="feature_matching"`: distances between the
discriminator's own intermediate features of SR and HR images (Salimans et al.
2016; Wang et al. 2018 "pix2pixHD"), which needs no pretrained network.
"""

from __future__ import annotations

import os

import keras
from keras import ops

PIXEL_KINDS = ("mse", "mae")

VGG19_NOTOP_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
_VGG19_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
              + VGG19_NOTOP_FILE)
_VGG19_MD5 = "253f8cb515780f3b799900260a226db6"
# Caffe-style ImageNet preprocessing of keras.applications.vgg19 (BGR means).
_VGG_BGR_MEAN = (103.939, 116.779, 123.68)


def _per_sample_distance(diff, kind):
    diff = ops.abs(diff) if kind == "mae" else ops.square(diff)
    axes = tuple(range(1, len(diff.shape)))
    return ops.mean(diff, axis=axes) if axes else diff


@keras.saving.register_keras_serializable(package="kerasgan")
class PixelLoss(keras.losses.Loss):
    """Mean squared (`"mse"`) or absolute (`"mae"`) pixel difference.

    Per image the mean over pixels and channels; over the batch
    `sum_over_batch_size`. On images in [-1, 1].

    Args:
        kind: `"mse"` (Ledig et al. 2017's SRResNet) or `"mae"` (L1).
        name: Loss name.

    Example:
    ```python
    loss = kerasgan.losses.PixelLoss("mse")
    value = loss(hr, sr)
    ```
    """

    def __init__(self, kind: str = "mse", name: str | None = None, **kwargs):
        kwargs.setdefault("reduction", "sum_over_batch_size")
        kwargs.setdefault("dtype", "float32")
        kind = str(kind).lower()
        if kind not in PIXEL_KINDS:
            raise ValueError(f"PixelLoss kind must be one of {PIXEL_KINDS}; received {kind!r}.")
        super().__init__(name=name or f"pixel_{kind}", **kwargs)
        self.kind = kind

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "float32")
        y_pred = ops.cast(y_pred, "float32")
        return _per_sample_distance(y_pred - y_true, self.kind)

    def get_config(self):
        config = super().get_config()
        config["kind"] = self.kind
        return config


@keras.saving.register_keras_serializable(package="kerasgan")
class PerceptualLoss(keras.losses.Loss):
    """Distance between feature maps of a fixed feature extractor.

    `loss(hr, sr) = mean((s * phi(hr) - s * phi(sr))^2)` per image (or the
    absolute difference), with `phi` any Keras model mapping images in [-1, 1]
    to feature maps and `s = feature_scale`. With
    `vgg19_features("block5_conv4")` and `feature_scale=1/12.75` this is the
    paper's VGG54 loss (Ledig et al. 2017, eq. 5 and section 3.2: "we rescale
    the VGG feature maps by a factor of 1/12.75"). The extractor is called with
    `training=False` and gets no gradient updates (only gradients with respect
    to its input flow through it); the HR features are computed under
    `stop_gradient`.

    Args:
        feature_extractor: A Keras model (or layer) `images -> features`.
        distance: `"mse"` (the paper) or `"mae"`.
        feature_scale: Multiplies the features before the difference.
        name: Loss name.

    Example:
    ```python
    vgg = kerasgan.losses.vgg19_features("block5_conv4", weights="imagenet")
    loss = kerasgan.losses.PerceptualLoss(vgg, feature_scale=1 / 12.75)
    gan = kerasgan.models.SRGAN(content_loss=loss)
    ```
    """

    def __init__(self, feature_extractor, distance: str = "mse", feature_scale: float = 1.0,
                 name: str | None = "perceptual", **kwargs):
        kwargs.setdefault("reduction", "sum_over_batch_size")
        kwargs.setdefault("dtype", "float32")
        super().__init__(name=name, **kwargs)
        if isinstance(feature_extractor, dict):
            feature_extractor = keras.saving.deserialize_keras_object(feature_extractor)
        if not callable(feature_extractor):
            raise TypeError("feature_extractor must be a Keras model mapping images to "
                            f"features; received {feature_extractor!r}.")
        distance = str(distance).lower()
        if distance not in PIXEL_KINDS:
            raise ValueError(f"distance must be one of {PIXEL_KINDS}; received {distance!r}.")
        self.feature_extractor = feature_extractor
        if isinstance(feature_extractor, keras.layers.Layer):
            feature_extractor.trainable = False
        self.distance = distance
        self.feature_scale = float(feature_scale)

    def features(self, images):
        """`feature_scale * phi(images)` in float32."""
        out = self.feature_extractor(images, training=False)
        return ops.cast(out, "float32") * self.feature_scale

    def call(self, y_true, y_pred):
        target = ops.stop_gradient(self.features(y_true))
        return _per_sample_distance(self.features(y_pred) - target, self.distance)

    def get_config(self):
        config = super().get_config()
        config.update({
            "feature_extractor": keras.saving.serialize_keras_object(self.feature_extractor),
            "distance": self.distance,
            "feature_scale": self.feature_scale,
        })
        return config


@keras.saving.register_keras_serializable(package="kerasgan")
class VGGPreprocess(keras.layers.Layer):
    """Maps RGB images in [-1, 1] to `keras.applications.vgg19`'s input.

    That is Caffe-style ImageNet preprocessing: [0, 255], RGB -> BGR, minus the
    ImageNet BGR channel means.
    """

    def call(self, inputs):
        x = (ops.cast(inputs, "float32") + 1.0) * 127.5
        x = ops.flip(x, axis=-1)
        return x - ops.convert_to_tensor(_VGG_BGR_MEAN, "float32")

    def compute_output_shape(self, input_shape):
        return input_shape


def vgg19_weights_path(allow_download: bool = False) -> str:
    """Path of the Keras ImageNet VGG19 no-top weights (Keras cache).

    Args:
        allow_download: Download them into the Keras cache if missing. False
            (the default) never touches the network.

    Returns:
        Path of `vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`.

    Raises:
        kerasgan.utils.keras_weights.WeightsNotFoundError: not cached (and download not
            allowed or failed); the message names the expected path.
    """
    from kerasgan.utils.keras_weights import cached_weights_path

    return cached_weights_path(
        VGG19_NOTOP_FILE, _VGG19_URL, _VGG19_MD5, "VGG19", allow_download,
        hint="Without VGG weights, train SRGAN with content_loss='feature_matching' "
        "(discriminator feature matching).",
    )


def vgg19_features(layer: str = "block5_conv4", weights: str | None = "imagenet",
                   allow_download: bool = False) -> keras.Model:
    """VGG19 truncated at `layer`, taking RGB images in [-1, 1].

    Keras's `blockI_convJ` layers include their ReLU, so the output is the
    feature map *after* activation: `"block5_conv4"` is the paper's
    VGG5,4 ("the 4th convolution (after activation) before the 5th
    max-pooling layer"), `"block2_conv2"` its VGG2,2.

    Args:
        layer: Name of a `keras.applications.VGG19` layer.
        weights: `"imagenet"` (the Keras cache, see `vgg19_weights_path`), a
            path to a `.h5` weights file of the no-top VGG19, or None (random
            init: for code checks only).
        allow_download: With `"imagenet"`, download the weights if not cached.

    Returns:
        A non-trainable `keras.Model` `(b, h, w, 3)` in [-1, 1] -> features.

    Raises:
        kerasgan.utils.keras_weights.WeightsNotFoundError: weights not available offline.

    Example:
    ```python
    vgg54 = kerasgan.losses.vgg19_features("block5_conv4",
                                            weights="~/vgg19_notop.h5")
    ```
    """
    from kerasgan.utils.keras_weights import WeightsNotFoundError

    if weights == "imagenet":
        path = vgg19_weights_path(allow_download)
    elif weights is None:
        path = None
    else:
        path = os.path.expanduser(str(weights))
        if not os.path.isfile(path):
            raise WeightsNotFoundError(
                f"VGG19 weights file {path!r} does not exist. Pass weights='imagenet' "
                f"(Keras cache: ~/.keras/models/{VGG19_NOTOP_FILE}), None (random init) or "
                "an existing .h5 path."
            )
    # Never let keras.applications download: build without weights, then load.
    base = keras.applications.VGG19(include_top=False, weights=None,
                                    input_shape=(None, None, 3))
    if path is not None:
        base.load_weights(path)
    try:
        target = base.get_layer(layer)
    except ValueError as err:
        names = [l.name for l in base.layers if "conv" in l.name or "pool" in l.name]
        raise ValueError(f"VGG19 has no layer {layer!r}; choose one of {names}.") from err
    trunk = keras.Model(base.input, target.output, name=f"vgg19_{layer}_trunk")
    inputs = keras.Input((None, None, 3), name="image")
    outputs = trunk(VGGPreprocess(name="vgg_preprocess")(inputs))
    model = keras.Model(inputs, outputs, name=f"vgg19_{layer}")
    model.trainable = False
    return model
