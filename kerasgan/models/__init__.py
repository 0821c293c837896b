"""GAN models, all trained by the shared adversarial core."""

from kerasgan.models.cyclegan import CycleGAN
from kerasgan.models.dcgan import DCGAN
from kerasgan.models.gan import GAN
from kerasgan.models.srgan import SRGAN, SRResNet

__all__ = ["GAN", "DCGAN", "CycleGAN", "SRGAN", "SRResNet"]
