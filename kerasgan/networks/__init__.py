"""Network builders (plain Keras functional models)."""

from kerasgan.networks.cyclegan import (ReflectionPadding2D, instance_norm,
                                        patch_discriminator, resnet_generator)
from kerasgan.networks.dcgan import MinibatchStdDev, dcgan_discriminator, dcgan_generator
from kerasgan.networks.srgan import PixelShuffle, srgan_discriminator, srresnet_generator

__all__ = ["dcgan_generator", "dcgan_discriminator", "MinibatchStdDev", "PixelShuffle",
           "srgan_discriminator", "srresnet_generator", "ReflectionPadding2D",
           "instance_norm", "patch_discriminator", "resnet_generator"]
