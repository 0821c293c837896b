"""SRResNet and SRGAN (Ledig et al. 2017): 4x single-image super-resolution.

Two-stage recipe of the paper:

1. `SRResNet`: the generator alone, trained with a pixel loss (MSE in the
   paper) by Keras's own `fit` -- the PSNR-oriented model.
2. `SRGAN`: the same generator, initialised from stage 1, fine-tuned
   adversarially against the VGG-style discriminator on the shared
   adversarial core (`kerasgan.core.AdversarialModel`), with a content loss
   plus `adversarial_weight` (1e-3 in the paper) times the generator's
   adversarial loss -- sharper texture at some cost in PSNR.

Both train on `(lr, hr)` batches of float32 images in [-1, 1] (see
`kerasgan.data.super_resolution`) and super-resolve uint8 images of any size
with `upscale`.
"""

from __future__ import annotations

import keras
from keras import ops

from kerasgan import backend as kg_backend
from kerasgan.core import AdversarialModel
from kerasgan.losses.content import PerceptualLoss, PixelLoss, vgg19_features
from kerasgan.networks.srgan import (
    DEFAULT_FEATURE_LAYERS,
    srgan_discriminator,
    srresnet_generator,
)
from kerasgan.sr.tiling import DEFAULT_OVERLAP, upscale_images
from kerasgan.utils.images import require_float_images

#: Content losses `SRGAN` accepts by name.
CONTENT_LOSS_NAMES = ("feature_matching", "mse", "mae", "vgg54", "vgg22")
_VGG_LAYERS = {"vgg54": "block5_conv4", "vgg22": "block2_conv2"}
_GENERATOR_KEYS = ("scale", "num_blocks", "width", "batch_norm", "output_activation",
                   "channels")


def _check_pair(model_name, lr, hr, scale, channels, hr_patch=None):
    """Validates an `(lr, hr)` batch's ranks, channels, sizes and dtype."""
    for what, t in (("lr", lr), ("hr", hr)):
        shape = tuple(t.shape)
        if len(shape) != 4:
            raise ValueError(
                f"{model_name} trains on (lr, hr) batches of images (batch, height, width, "
                f"channels); received {what} of shape {shape}.")
        if shape[-1] is not None and shape[-1] != channels:
            raise ValueError(f"{model_name} expects {channels}-channel images; received "
                             f"{what} of shape {shape}.")
        require_float_images(t, "kerasgan.data.super_resolution", what=what)
    lr_hw, hr_hw = tuple(lr.shape[1:3]), tuple(hr.shape[1:3])
    message = (f"hr must be {scale}x the size of lr; received lr of shape "
               f"{tuple(lr.shape)} and hr of shape {tuple(hr.shape)}.")
    for a, b in zip(lr_hw, hr_hw):
        if a is not None and b is not None and b != a * scale:
            raise ValueError(message)
    if (None in lr_hw + hr_hw and keras.backend.backend() == "tensorflow"
            and not isinstance(hr, keras.KerasTensor)):
        # Sizes only known at run time (e.g. a retraced step): check them there.
        import tensorflow as tf

        tf.debugging.assert_equal(tf.shape(hr)[1:3], tf.shape(lr)[1:3] * scale,
                                  message=message)
    if hr_patch is not None:
        for b in hr_hw:
            if b is not None and b != hr_patch:
                raise ValueError(
                    f"{model_name}'s discriminator judges {hr_patch}x{hr_patch} HR patches; "
                    f"received hr of shape {tuple(hr.shape)}. Crop training patches of "
                    f"hr_patch={hr_patch} (kerasgan.data.super_resolution does).")


def _unpack_pair(model_name, data):
    if isinstance(data, dict) and {"lr", "hr"} <= set(data):
        return data["lr"], data["hr"]
    if isinstance(data, (tuple, list)) and len(data) >= 2:
        return data[0], data[1]
    raise ValueError(
        f"{model_name} trains on (lr, hr) pairs: a dataset of tuples (lr, hr) or "
        f"fit(x=lr, y=hr); received {type(data).__name__}.")


class _Upscaler:
    """Mixin: `upscale` for models with `generator` and `scale`."""

    def upscale(self, images, tile: int | str | None = "auto", overlap: int = DEFAULT_OVERLAP,
                batch_size: int | None = None, self_ensemble: bool = False,
                progress: bool | None = None):
        """Super-resolves uint8 images of any size.

        Args:
            images: uint8 `(h, w, 3)`, a batch `(n, h, w, 3)`, or a list of
                images of different sizes (grayscale is repeated to RGB, RGBA
                loses alpha).
            tile: Tile side in LR pixels (e.g. 128) so memory stays bounded;
                None runs whole images; `"auto"` tiles images above 176x176
                LR pixels (128-pixel tiles with the overlap around them).
            overlap: Context pixels around each tile (centre-crop stitching:
                no seams; tiled equals untiled output to one grey level when
                it covers the network's receptive field).
            batch_size: Images (default 8) or tiles (default 1) per forward
                pass.
            self_ensemble: Average over the 8 flips/rotations of each image
                (slightly higher PSNR, 8x slower).
            progress: Progress bar over the tiles on stderr (default: when
                stderr is a terminal).

        Returns:
            uint8, exactly `scale` times larger on each side, in the input's
            structure (array or list).

        Example:
        ```python
        big = model.upscale(photo)             # (4h, 4w, 3) uint8
        bigs = model.upscale([a, b], tile=64)  # list
        ```
        """
        return upscale_images(self.generator, images, self.scale, tile=tile,
                              overlap=overlap, batch_size=batch_size,
                              channels=self.channels, self_ensemble=self_ensemble,
                              progress=progress)


@keras.saving.register_keras_serializable(package="kerasgan")
class SRResNet(_Upscaler, keras.Model):
    """The SRResNet generator as a plain Keras model (stage 1 of SRGAN).

    Trained with Keras's own `fit` on `(lr, hr)` pairs and a pixel loss; it
    is the PSNR-oriented model of Ledig et al. 2017 (MSE, Adam 1e-4).

    Args:
        scale: Upscaling factor (4 in the paper; 2, 3, 8 also work).
        num_blocks: Residual blocks (16 in the paper).
        width: Feature channels (64 in the paper).
        batch_norm: BatchNorm in the residual blocks (the paper) or not.
        output_activation: `"tanh"` or `"linear"` (see
            `kerasgan.networks.srresnet_generator`).
        channels: Image channels.
        sync_batchnorm: Synchronise BatchNorm across replicas.
        **kwargs: Passed to `keras.Model`.

    Example:
    ```python
    model = kerasgan.models.SRResNet(scale=4)
    model.compile()                      # Adam(1e-4, beta_1=0.9), MSE
    model.fit(kerasgan.data.super_resolution("hr_images/"), epochs=100)
    big = model.upscale(photo_uint8)     # (4h, 4w, 3) uint8
    ```
    """

    def __init__(self, scale: int = 4, num_blocks: int = 16, width: int = 64,
                 batch_norm: bool = True, output_activation: str = "tanh",
                 channels: int = 3, sync_batchnorm: bool = True, **kwargs):
        kwargs.setdefault("name", "srresnet")
        super().__init__(**kwargs)
        self.generator = srresnet_generator(scale, num_blocks, width, batch_norm,
                                            output_activation, channels, sync_batchnorm)
        self.scale = scale
        self.num_blocks = num_blocks
        self.width = width
        self.batch_norm = batch_norm
        self.output_activation = output_activation
        self.channels = channels
        self.sync_batchnorm = sync_batchnorm
        self.built = True

    @property
    def sampler(self) -> keras.Model:
        """The network `upscale` runs (the generator)."""
        return self.generator

    def call(self, lr, training=False):
        """Maps LR images in [-1, 1] to SR images in [-1, 1]."""
        return self.generator(lr, training=training)

    def compile(self, optimizer=None, loss="mse", **kwargs):
        """Configures training with a pixel loss.

        Args:
            optimizer: Default `Adam(1e-4, beta_1=0.9)` (the paper).
            loss: `"mse"` (the paper), `"mae"`, or any Keras loss such as a
                `kerasgan.losses.PerceptualLoss`.
            **kwargs: Other `keras.Model.compile` arguments.
        """
        if optimizer is None:
            optimizer = keras.optimizers.Adam(1e-4, beta_1=0.9)
        if isinstance(loss, str) and loss.lower() in ("mse", "mae"):
            loss = PixelLoss(loss)
        super().compile(optimizer=optimizer, loss=loss, **kwargs)

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.optimizer is not None and self.built:
            self.optimizer.build(self.trainable_variables)

    def _checked(self, x, y):
        if y is None:
            raise ValueError("SRResNet trains on (lr, hr) pairs: pass a dataset of (lr, hr) "
                             "tuples or fit(x=lr, y=hr).")
        _check_pair("SRResNet", x, y, self.scale, self.channels)

    # Batches are checked before the forward pass (`(data)` on TensorFlow and
    # PyTorch, `(state, data)` on JAX) and in `compute_loss`, which JAX's
    # trainer also calls symbolically before the first step.
    def train_step(self, *args):
        self._checked(*keras.utils.unpack_x_y_sample_weight(args[-1])[:2])
        return super().train_step(*args)

    def test_step(self, *args):
        self._checked(*keras.utils.unpack_x_y_sample_weight(args[-1])[:2])
        return super().test_step(*args)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        self._checked(x, y)
        return super().compute_loss(x, y, y_pred, sample_weight, training=training)

    def get_config(self):
        config = super().get_config()
        config.update({k: getattr(self, k) for k in _GENERATOR_KEYS})
        config["sync_batchnorm"] = self.sync_batchnorm
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="kerasgan")
class SRGAN(_Upscaler, AdversarialModel):
    """SRGAN (Ledig et al. 2017) on the shared adversarial core.

    The generator minimises
    `content_weight * content + pixel_weight * pixel + adversarial_weight * adversarial`
    and the discriminator the compiled adversarial loss on HR patches vs
    super-resolved ones.

    Content losses (`content_loss`):

    - `"feature_matching"` (default): mean L1 distance between the
      discriminator's intermediate activations (`feature_layers`, by default
      the output of each stride-2 block) on SR and HR patches (feature
      matching, Salimans et al. 2016; pix2pixHD, Wang et al. 2018). It needs
      no pretrained network -- the alternative used here because VGG19's
      ImageNet weights cannot be downloaded on the build machine. The
      discriminator's features change as it trains, so they do not anchor
      colours and low frequencies the way VGG does: combine it with a pixel
      term (`pixel_weight`, default 1.0 with this loss).
    - `"vgg54"` / `"vgg22"`: the paper's VGG losses, `PerceptualLoss(
      vgg19_features("block5_conv4"|"block2_conv2"), feature_scale=1/12.75)`,
      with ImageNet weights from the Keras cache (never downloaded).
    - `"mse"` / `"mae"`: a pixel loss (the paper's SRGAN-MSE).
    - any `keras.losses.Loss` called as `loss(hr, sr)`, e.g.
      `kerasgan.losses.PerceptualLoss(my_extractor)`.

    Args:
        generator: None (build an SRResNet from the arguments below), a
            trained `SRResNet` (its architecture and a copy of its weights
            are used: stage 2 of the paper), or any Keras model `lr -> sr`
            that is fully convolutional with `scale`x output.
        scale: Upscaling factor.
        num_blocks: Generator residual blocks.
        width: Generator feature channels.
        batch_norm: BatchNorm in the generator's residual blocks.
        output_activation: Generator output `"tanh"` or `"linear"`.
        channels: Image channels.
        hr_patch: Side of the HR training patches (96 in the paper), fixed
            because of D's dense head.
        discriminator_width: D's first-layer channels (64 in the paper).
        discriminator: Optional custom discriminator
            `(hr_patch, hr_patch, channels) -> logits`.
        content_loss: See above.
        content_weight: Weight of the content loss.
        pixel_loss: `"mse"` or `"mae"` for the pixel term.
        pixel_weight: Weight of the pixel term; default 1.0 with
            `"feature_matching"`, 0 otherwise.
        adversarial_weight: Weight of G's adversarial loss (1e-3 in the paper).
        feature_layers: D layer names for feature matching (default
            `block2_act`, `block4_act`, `block6_act`, `block8_act`).
        sync_batchnorm: Synchronise BatchNorm across replicas.
        d_steps: Discriminator updates per generator update.
        seed: Seed of the model's random noise (instance noise).
        **kwargs: Passed to `keras.Model`.

    Example:
    ```python
    stage1 = kerasgan.models.SRResNet()
    stage1.compile(); stage1.fit(ds, epochs=100)
    gan = kerasgan.models.SRGAN(generator=stage1, content_loss="feature_matching")
    gan.compile()          # Adam(1e-4, beta_1=0.9) for both, non-saturating loss
    gan.fit(ds, epochs=50)
    big = gan.upscale(photo_uint8)
    ```
    """

    def __init__(self, generator=None, scale: int = 4, num_blocks: int = 16, width: int = 64,
                 batch_norm: bool = True, output_activation: str = "tanh", channels: int = 3,
                 hr_patch: int = 96, discriminator_width: int = 64, discriminator=None,
                 content_loss="feature_matching", content_weight: float = 1.0,
                 pixel_loss: str = "mse", pixel_weight: float | None = None,
                 adversarial_weight: float = 1e-3, feature_layers=None,
                 sync_batchnorm: bool = True, d_steps: int = 1, seed: int | None = None,
                 **kwargs):
        kwargs.setdefault("name", "srgan")
        super().__init__(d_steps=d_steps, seed=seed, **kwargs)
        if isinstance(generator, dict):
            generator = keras.saving.deserialize_keras_object(generator)
        if isinstance(discriminator, dict):
            discriminator = keras.saving.deserialize_keras_object(discriminator)
        self._custom_generator = None
        if isinstance(generator, SRResNet):
            source = generator
            scale, num_blocks, width = source.scale, source.num_blocks, source.width
            batch_norm, output_activation = source.batch_norm, source.output_activation
            channels = source.channels
            generator = srresnet_generator(scale, num_blocks, width, batch_norm,
                                           output_activation, channels, sync_batchnorm)
            generator.set_weights(source.generator.get_weights())
        elif generator is None:
            generator = srresnet_generator(scale, num_blocks, width, batch_norm,
                                           output_activation, channels, sync_batchnorm)
        elif isinstance(generator, keras.Model):
            self._custom_generator = generator
            self._check_generator(generator, scale, channels)
        else:
            raise TypeError("generator must be None, an SRResNet or a keras.Model; received "
                            f"{type(generator).__name__}.")
        if discriminator is None:
            discriminator = srgan_discriminator(hr_patch, discriminator_width, channels,
                                                sync_batchnorm=sync_batchnorm)
            custom_d = False
        else:
            custom_d = True
            d_in = tuple(discriminator.inputs[0].shape[1:])
            if d_in != (hr_patch, hr_patch, channels):
                raise ValueError(f"The discriminator takes {d_in}; it must take HR patches "
                                 f"({hr_patch}, {hr_patch}, {channels}).")
        self.generator = generator
        self.discriminator = discriminator
        self._custom_discriminator = custom_d
        self.scale = int(scale)
        self.num_blocks = num_blocks
        self.width = width
        self.batch_norm = batch_norm
        self.output_activation = output_activation
        self.channels = channels
        self.hr_patch = int(hr_patch)
        self.discriminator_width = discriminator_width
        self.sync_batchnorm = sync_batchnorm

        if isinstance(content_loss, dict):
            content_loss = keras.saving.deserialize_keras_object(content_loss)
        self.content_loss_spec = content_loss
        self.content_weight = float(content_weight)
        self.adversarial_weight = float(adversarial_weight)
        if pixel_weight is None:
            pixel_weight = 1.0 if content_loss == "feature_matching" else 0.0
        self.pixel_weight = float(pixel_weight)
        self.pixel_loss_kind = str(pixel_loss)
        self.pixel_loss = PixelLoss(pixel_loss)
        self.feature_layers = None
        self._content = None
        if isinstance(content_loss, str):
            name = content_loss.lower()
            if name == "feature_matching":
                layers = tuple(feature_layers or ())
                if not layers:
                    if custom_d:
                        raise ValueError("content_loss='feature_matching' with a custom "
                                         "discriminator needs feature_layers=[layer names].")
                    layers = DEFAULT_FEATURE_LAYERS
                try:
                    outs = [discriminator.get_layer(n).output for n in layers]
                except ValueError as err:
                    raise ValueError(f"feature_layers {list(layers)} are not all layers of "
                                     f"the discriminator: {err}") from err
                self.feature_layers = list(layers)
                # Shares D's layers; kept out of Keras's tracking (its weights
                # are D's and are saved once, with D).
                object.__setattr__(self, "_feature_model",
                                   keras.Model(discriminator.inputs, outs,
                                               name="discriminator_features"))
                self._feature_distance = PixelLoss("mae", name="feature_matching")
            elif name in ("mse", "mae"):
                self._content = PixelLoss(name)
            elif name in _VGG_LAYERS:
                self._content = PerceptualLoss(vgg19_features(_VGG_LAYERS[name]),
                                               feature_scale=1 / 12.75, name=name)
            else:
                raise ValueError(f"Unknown content_loss {content_loss!r}; use one of "
                                 f"{CONTENT_LOSS_NAMES} or a keras.losses.Loss.")
        elif isinstance(content_loss, keras.losses.Loss):
            self._content = content_loss
        else:
            raise TypeError(f"content_loss must be a name ({', '.join(CONTENT_LOSS_NAMES)}) "
                            f"or a keras.losses.Loss; received {content_loss!r}.")
        extractor = getattr(self._content, "feature_extractor", None)
        # Tracked so a .keras file stores the extractor's weights too.
        self.content_extractor = extractor if isinstance(extractor, keras.Model) else None
        self.built = True

    @staticmethod
    def _check_generator(generator, scale, channels):
        import numpy as np

        out = generator(np.zeros((1, 8, 8, channels), "float32"), training=False)
        if tuple(out.shape) != (1, 8 * scale, 8 * scale, channels):
            raise ValueError(
                f"The generator must map (b, h, w, {channels}) to (b, {scale}h, {scale}w, "
                f"{channels}); an 8x8 input gave {tuple(out.shape)}.")

    # ------------------------------------------------------------ the game
    @property
    def generator_trainable_variables(self):
        return self.generator.trainable_variables

    @property
    def discriminator_trainable_variables(self):
        return self.discriminator.trainable_variables

    @property
    def discriminator_networks(self):
        return [self.discriminator]

    def objective_metric_names(self):
        names = super().objective_metric_names() + ["content_loss"]
        if self.pixel_weight:
            names.append("pixel_loss")
        return names + ["g_adv"]

    def unpack_batch(self, data):
        lr, hr = _unpack_pair(type(self).__name__, data)
        _check_pair(type(self).__name__, lr, hr, self.scale, self.channels, self.hr_patch)
        return lr, hr

    def prepare_discriminator_step(self, batch, training=True):
        lr, hr = batch
        return hr, self.generator(lr, training=training)

    def discriminator_objective(self, inputs, training=True):
        hr, sr = inputs
        return self.discriminator_terms(self.discriminator, hr, sr, training)

    def content_term(self, hr, sr, training=True):
        """The content loss (replica-scaled) between HR and SR batches."""
        if self._content is not None:
            return self._content(hr, sr)
        real = self._feature_model(hr, training=training)
        fake = self._feature_model(sr, training=training)
        if not isinstance(real, (list, tuple)):
            real, fake = [real], [fake]
        terms = [self._feature_distance(ops.stop_gradient(r), f) for r, f in zip(real, fake)]
        return sum(terms[1:], terms[0]) / float(len(terms))

    def generator_objective(self, batch, training=True):
        lr, hr = batch
        sr = self.generator(lr, training=training)
        content = self.content_term(hr, sr, training)
        adversarial = self.generator_adversarial_loss(self.discriminator, sr, training)
        loss = self.content_weight * content + self.adversarial_weight * adversarial
        logs = {"content_loss": kg_backend.unscale_for_replicas(content),
                "g_adv": kg_backend.unscale_for_replicas(adversarial)}
        if self.pixel_weight:
            pixel = self.pixel_loss(hr, sr)
            loss = loss + self.pixel_weight * pixel
            logs["pixel_loss"] = kg_backend.unscale_for_replicas(pixel)
        return loss, logs

    def compile(self, g_optimizer=None, d_optimizer=None, loss="non_saturating", **kwargs):
        """Configures the game; defaults are the paper's.

        Args:
            g_optimizer: Default `Adam(1e-4, beta_1=0.9)` (Ledig et al. 2017).
            d_optimizer: Default `Adam(1e-4, beta_1=0.9)`.
            loss: Adversarial loss (default `"non_saturating"`).
            **kwargs: See `kerasgan.core.AdversarialModel.compile`.
        """
        if g_optimizer is None:
            g_optimizer = keras.optimizers.Adam(1e-4, beta_1=0.9)
        if d_optimizer is None:
            d_optimizer = keras.optimizers.Adam(1e-4, beta_1=0.9)
        super().compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, loss=loss, **kwargs)

    # ------------------------------------------------------------ inference
    @property
    def sampler(self) -> keras.Model:
        """The network `upscale` runs (the generator)."""
        return self.generator

    def call(self, lr, training=False):
        """Maps LR images in [-1, 1] to SR images in [-1, 1]."""
        return self.generator(lr, training=training)

    # -------------------------------------------------------- serialization
    def get_config(self):
        config = super().get_config()
        ser = keras.saving.serialize_keras_object
        content = self.content_loss_spec
        config.update({
            "generator": ser(self._custom_generator) if self._custom_generator is not None
            else None,
            "discriminator": ser(self.discriminator) if self._custom_discriminator else None,
            "scale": self.scale,
            "num_blocks": self.num_blocks,
            "width": self.width,
            "batch_norm": self.batch_norm,
            "output_activation": self.output_activation,
            "channels": self.channels,
            "hr_patch": self.hr_patch,
            "discriminator_width": self.discriminator_width,
            "content_loss": content if isinstance(content, str) else ser(content),
            "content_weight": self.content_weight,
            "pixel_loss": self.pixel_loss_kind,
            "pixel_weight": self.pixel_weight,
            "adversarial_weight": self.adversarial_weight,
            "feature_layers": self.feature_layers,
            "sync_batchnorm": self.sync_batchnorm,
        })
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
