"""The adversarial core shared by every GAN in kerasgan."""

from kerasgan.core.adversarial_model import AdversarialModel

__all__ = ["AdversarialModel"]
