"""Errors raised by `kerasgan.zoo`.

Every error is a `ZooError` (so a caller such as the command line can catch
them all) and also the standard exception its kind suggests: a bad checksum is
a `ValueError`, a missing file a `FileNotFoundError`, a failed download an
`OSError`.
"""

from __future__ import annotations


class ZooError(Exception):
    """Base class of the zoo's errors."""


class UnknownModelError(ZooError, ValueError):
    """No preset of that name is registered."""


class PresetError(ZooError, ValueError):
    """A `preset.json` is malformed, or names something kerasgan will not load."""


class ChecksumError(ZooError, ValueError):
    """A weight file's sha256 differs from the one its preset records.

    Attributes:
        path: The file (or the URL it came from).
        expected: The sha256 in `preset.json`.
        actual: The sha256 of the bytes found.
    """

    def __init__(self, message: str, path: str = "", expected: str = "", actual: str = ""):
        super().__init__(message)
        self.path = path
        self.expected = expected
        self.actual = actual


class WeightsNotFoundError(ZooError, FileNotFoundError):
    """A weight file is in none of the places searched, and may not be downloaded."""


class DownloadError(ZooError, OSError):
    """Fetching a weight file failed (no network, HTTP error, truncated transfer)."""


class TaskNotSupportedError(ZooError, ValueError):
    """The model cannot do what was asked (e.g. `upscale` with a DCGAN)."""
