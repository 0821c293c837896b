"""Keras callbacks for GAN training."""

from kerasgan.callbacks.sample_grid import SampleGrid

__all__ = ["SampleGrid"]
