"""Keras callbacks for GAN training."""

from kerasgan.callbacks.resume import (CheckpointMismatchError, CorruptCheckpointError,
                                       ResumableBackup, resumable_dataset)
from kerasgan.callbacks.sample_grid import SampleGrid
from kerasgan.callbacks.training_monitor import TrainingMonitor, batch_diversity

__all__ = ["CheckpointMismatchError", "CorruptCheckpointError", "ResumableBackup", "SampleGrid",
           "TrainingMonitor", "batch_diversity", "resumable_dataset"]
