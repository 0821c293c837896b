"""`DCGAN` (Radford et al. 2016) on the adversarial core."""

from __future__ import annotations

import keras

from kerasgan.models.gan import GAN
from kerasgan.networks.dcgan import dcgan_discriminator, dcgan_generator


@keras.saving.register_keras_serializable(package="kerasgan")
class DCGAN(GAN):
    """Deep convolutional GAN.

    Args:
        image_size: Image side: 16, 32, 64, 128 or 256.
        latent_dim: Latent vector size (100 in the paper).
        channels: Image channels.
        generator_width: ngf, channels of the generator's last hidden layer.
        discriminator_width: ndf, channels of the discriminator's first layer.
        generator_norm: `"batch"` (the paper) or `"none"`.
        discriminator_norm: `"batch"` (the paper), `"layer"` (use with
            gradient penalties), `"spectral"` or `"none"`.
        sync_batchnorm: Synchronise BatchNorm across replicas (see
            `kerasgan.networks.dcgan_generator`).
        minibatch_std: Give the discriminator a minibatch standard deviation
            feature map before its last convolution (Karras et al. 2018): it
            sees how varied each batch is, which counters mode collapse.
        minibatch_std_group: Images per standard-deviation group (ProGAN: 4);
            the whole (per-replica) batch when it does not divide it.
        ema_decay: EMA of generator weights for sampling (e.g. 0.999), or None.
        d_steps: Discriminator updates per generator update.
        seed: Seed of the model's random noise.

    Example:
    ```python
    gan = kerasgan.models.DCGAN(image_size=64, latent_dim=100)
    gan.compile(loss="non_saturating")
    gan.fit(kerasgan.data.image_folder("faces/", image_size=64, batch_size=128), epochs=20)
    faces = gan.generate(16, seed=0)
    ```
    """

    def __init__(self, image_size: int = 64, latent_dim: int = 100, channels: int = 3,
                 generator_width: int = 64, discriminator_width: int = 64,
                 generator_norm: str = "batch", discriminator_norm: str = "batch",
                 sync_batchnorm: bool = True,
                 minibatch_std: bool = False, minibatch_std_group: int = 4,
                 ema_decay: float | None = None, d_steps: int = 1,
                 seed: int | None = None, **kwargs):
        generator = dcgan_generator(image_size, latent_dim, generator_width, channels,
                                    norm=generator_norm, sync_batchnorm=sync_batchnorm)
        discriminator = dcgan_discriminator(image_size, discriminator_width, channels,
                                            norm=discriminator_norm,
                                            sync_batchnorm=sync_batchnorm,
                                            minibatch_std=minibatch_std,
                                            minibatch_std_group=minibatch_std_group)
        super().__init__(generator, discriminator, ema_decay=ema_decay,
                         d_steps=d_steps, seed=seed, **kwargs)
        self.image_size = image_size
        self.channels = channels
        self.generator_width = generator_width
        self.discriminator_width = discriminator_width
        self.generator_norm = generator_norm
        self.discriminator_norm = discriminator_norm
        self.sync_batchnorm = sync_batchnorm
        self.minibatch_std = bool(minibatch_std)
        self.minibatch_std_group = int(minibatch_std_group)

    def get_config(self):
        config = super().get_config()
        for key in ("generator", "discriminator"):
            config.pop(key)
        config.update({
            "image_size": self.image_size,
            "latent_dim": self.latent_dim,
            "channels": self.channels,
            "generator_width": self.generator_width,
            "discriminator_width": self.discriminator_width,
            "generator_norm": self.generator_norm,
            "discriminator_norm": self.discriminator_norm,
            "sync_batchnorm": self.sync_batchnorm,
            "minibatch_std": self.minibatch_std,
            "minibatch_std_group": self.minibatch_std_group,
        })
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
