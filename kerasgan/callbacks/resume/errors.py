"""Errors of `ResumableBackup`."""


class CheckpointMismatchError(ValueError):
    """A checkpoint was written by a different model or training setup."""


class CorruptCheckpointError(OSError):
    """No checkpoint in the backup directory can be read."""


__all__ = ["CheckpointMismatchError", "CorruptCheckpointError"]
