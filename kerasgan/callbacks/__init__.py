"""Keras callbacks for GAN training."""

from kerasgan.callbacks.resume import (CheckpointMismatchError, CorruptCheckpointError,
                                       ResumableBackup, average_checkpoints, newest_checkpoints,
                                       resumable_dataset)
from kerasgan.callbacks.sample_grid import SampleGrid
from kerasgan.callbacks.training_monitor import TrainingMonitor, batch_diversity

__all__ = ["CheckpointMismatchError", "CorruptCheckpointError", "ResumableBackup", "SampleGrid",
           "TrainingMonitor", "average_checkpoints", "batch_diversity", "newest_checkpoints",
           "resumable_dataset"]
