"""Keras callbacks for GAN training."""

from kerasgan.callbacks.sample_grid import SampleGrid
from kerasgan.callbacks.training_monitor import TrainingMonitor, batch_diversity

__all__ = ["SampleGrid", "TrainingMonitor", "batch_diversity"]
