"""Network builders (plain Keras functional models)."""

from kerasgan.networks.dcgan import dcgan_discriminator, dcgan_generator

__all__ = ["dcgan_generator", "dcgan_discriminator"]
