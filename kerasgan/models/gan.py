"""`GAN`: an unconditional generator/discriminator pair on the adversarial core."""

from __future__ import annotations

import numpy as np
import keras
from keras import ops

from kerasgan.core import AdversarialModel
from kerasgan.core.ema import check_ema_decay, ema_copy, update_ema
from kerasgan.utils.images import require_float_images, to_uint8


@keras.saving.register_keras_serializable(package="kerasgan")
class GAN(AdversarialModel):
    """A GAN that maps latent vectors to images.

    Bring any generator (latent `(batch, latent_dim)` -> images in [-1, 1]) and
    discriminator (images -> one score per image); the adversarial core trains
    them with `fit` on a dataset of real images in [-1, 1].

    Args:
        generator: A Keras model with input shape `(latent_dim,)`.
        discriminator: A Keras model taking the generator's output shape.
        ema_decay: If set (e.g. 0.999), keep an exponential moving average of
            the generator's weights and sample from it in `generate`; averaged
            generators give visibly better samples (Yazıcı et al. 2019). The
            decay ramps up as `min(ema_decay, (1 + step) / (10 + step))`;
            BatchNorm statistics are copied from the live generator.
        d_steps: Discriminator updates per generator update.
        seed: Seed of the model's random noise.

    Example:
    ```python
    gan = kerasgan.models.GAN(my_generator, my_discriminator)
    gan.compile(loss="hinge")
    gan.fit(dataset, epochs=10)
    images = gan.generate(16, seed=0)  # uint8 (16, H, W, C)
    ```
    """

    def __init__(self, generator, discriminator, ema_decay: float | None = None,
                 d_steps: int = 1, seed: int | None = None, **kwargs):
        super().__init__(d_steps=d_steps, seed=seed, **kwargs)
        if len(generator.inputs) != 1 or len(generator.inputs[0].shape) != 2:
            raise ValueError(
                "The generator must take one latent input of shape "
                f"(batch, latent_dim); received inputs {[i.shape for i in generator.inputs]}."
            )
        out_shape = tuple(generator.outputs[0].shape[1:])
        d_in = tuple(discriminator.inputs[0].shape[1:])
        if out_shape != d_in:
            raise ValueError(
                f"The generator outputs images of shape {out_shape} but the "
                f"discriminator takes {d_in}; they must match."
            )
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.image_shape = out_shape
        self.ema_decay = check_ema_decay(ema_decay)
        self.ema_generator = (None if self.ema_decay is None
                              else ema_copy(generator, "ema_generator"))
        self.built = True

    # ---------------------------------------------------------- the game
    @property
    def generator_trainable_variables(self):
        return self.generator.trainable_variables

    @property
    def discriminator_trainable_variables(self):
        return self.discriminator.trainable_variables

    @property
    def discriminator_networks(self):
        return [self.discriminator]

    def unpack_batch(self, data):
        real = super().unpack_batch(data)
        shape = tuple(real.shape)
        if len(shape) != 4:
            raise ValueError(
                f"{type(self).__name__} trains on batches of images of shape "
                f"(batch, height, width, channels); received a tensor of shape {shape}."
            )
        if tuple(shape[1:]) != self.image_shape and None not in shape[1:]:
            hint = ""
            if shape[-1] != self.image_shape[-1]:
                hint = (" Grayscale or RGBA images must be converted to RGB "
                        "(kerasgan.data.image_folder does this).")
            raise ValueError(
                f"{type(self).__name__} expects images of shape (batch, "
                f"{', '.join(map(str, self.image_shape))}); received {shape}.{hint}"
            )
        require_float_images(real, "kerasgan.data.image_folder")
        return real

    def sample_latent(self, batch_size):
        """Latent vectors for one training batch."""
        return self.sample_normal((batch_size, self.latent_dim))

    def prepare_discriminator_step(self, real, training=True):
        z = self.sample_latent(ops.shape(real)[0])
        return real, self.generator(z, training=training)

    def discriminator_objective(self, inputs, training=True):
        real, fake = inputs
        return self.discriminator_terms(self.discriminator, real, fake, training)

    def generator_objective(self, real, training=True):
        z = self.sample_latent(ops.shape(real)[0])
        fake = self.generator(z, training=training)
        return self.generator_adversarial_loss(self.discriminator, fake, training), {}

    def after_generator_step(self):
        if self.ema_generator is not None:
            update_ema(self.ema_generator, self.generator, self.ema_decay,
                       self.g_optimizer.iterations)

    # ---------------------------------------------------------- sampling
    @property
    def sampler(self) -> keras.Model:
        """The network `generate` uses: the EMA generator if any."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def call(self, latents, training=False):
        """Maps latent vectors to float images in [-1, 1]."""
        return self.generator(latents, training=training)

    def latents(self, num: int, seed: int | None = None) -> np.ndarray:
        """Latent vectors `generate(num, seed)` uses, as float32 numpy.

        Drawn with NumPy's PCG64 from `seed`, so a seed gives the same vectors
        on every backend and machine.
        """
        rng = np.random.default_rng(seed)
        return rng.standard_normal((num, self.latent_dim)).astype("float32")

    def generate(self, num: int, seed: int | None = None, batch_size: int = 64,
                 latents=None) -> np.ndarray:
        """Generates images as uint8.

        Args:
            num: Number of images.
            seed: Seed for the latent vectors; the same seed gives the same
                images. None draws fresh ones.
            batch_size: Images per forward pass.
            latents: Optional explicit latent vectors `(num, latent_dim)`.

        Returns:
            uint8 array `(num, height, width, channels)`.
        """
        if latents is None:
            if not isinstance(num, (int, np.integer)) or num < 1:
                raise ValueError(f"num must be a positive integer; received {num!r}.")
            latents = self.latents(int(num), seed)
        latents = np.asarray(latents, dtype="float32")
        if latents.ndim != 2 or latents.shape[1] != self.latent_dim:
            raise ValueError(
                f"latents must have shape (num, {self.latent_dim}); received {latents.shape}."
            )
        out = []
        for start in range(0, len(latents), batch_size):
            images = self.sampler(latents[start:start + batch_size], training=False)
            out.append(to_uint8(ops.convert_to_numpy(images)))
        return np.concatenate(out, axis=0)

    # ----------------------------------------------------- serialization
    def get_config(self):
        config = super().get_config()
        config.update({
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "ema_decay": self.ema_decay,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)
