"""The adversarial core shared by every GAN in kerasgan."""

from kerasgan.core.adversarial_model import AdversarialModel
from kerasgan.core.image_pool import ImagePool

__all__ = ["AdversarialModel", "ImagePool"]
