"""sha256 of weight files, and the check that raises `ChecksumError`."""

from __future__ import annotations

import hashlib

from kerasgan.zoo.errors import ChecksumError

_CHUNK = 1 << 20


def sha256_file(path: str) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks.

    Args:
        path: File to hash.

    Returns:
        The lowercase hex digest (64 characters).
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_sha256(path: str, expected: str, what: str, advice: str) -> None:
    """Raises `ChecksumError` unless the file at `path` hashes to `expected`.

    Args:
        path: The file to check.
        expected: The sha256 the preset records.
        what: How to name the file in the message (e.g. "'g.weights.h5' of
            preset 'dcgan_faces' (shipped copy)").
        advice: What the user should do about a mismatch.
    """
    actual = sha256_file(path)
    if actual != expected.lower():
        raise ChecksumError(
            f"Checksum mismatch for {what} at {path}:\n"
            f"  expected sha256 {expected}\n"
            f"  actual   sha256 {actual}\n"
            f"{advice}",
            path=path, expected=expected, actual=actual,
        )
