"""Checkpoint directories on disk: atomic commits, checksums, listing and cleanup.

A checkpoint is a directory `ckpt-<12-digit step>` holding payload files and
`metadata.json`, which records each payload file's size and sha256. It is
written under a temporary name (`.tmp-ckpt-<step>-<pid>`) and committed with
one `os.replace`; a kill mid-write leaves only the temporary directory, which
`cleanup_temporaries` removes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from typing import Callable

from kerasgan.callbacks.resume.errors import CorruptCheckpointError

FORMAT = "kerasgan.ResumableBackup"
FORMAT_VERSION = 1
WEIGHTS_FILE = "model.weights.h5"
STATE_FILE = "state.npz"
METADATA_FILE = "metadata.json"
CKPT_RE = re.compile(r"^ckpt-(\d{12})$")
TMP_PREFIX = ".tmp-ckpt-"
TRASH_PREFIX = ".trash-ckpt-"


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_file(path: str) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # e.g. Windows: directories cannot be opened
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def list_checkpoints(backup_dir: str) -> list[tuple[int, str]]:
    """`(step, path)` of the committed checkpoint directories, newest first."""
    if not os.path.isdir(backup_dir):
        return []
    found = []
    for name in os.listdir(backup_dir):
        match = CKPT_RE.match(name)
        path = os.path.join(backup_dir, name)
        if match and os.path.isdir(path):
            found.append((int(match.group(1)), path))
    return sorted(found, reverse=True)


def read_checkpoint(path: str) -> dict:
    """Reads and verifies one checkpoint directory's metadata and files.

    Args:
        path: A `ckpt-<step>` directory.

    Returns:
        The metadata dict.

    Raises:
        CorruptCheckpointError: naming what is missing or does not match
            its checksum.
    """
    meta_path = os.path.join(path, METADATA_FILE)
    try:
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError) as err:
        raise CorruptCheckpointError(f"{meta_path} is missing or unreadable ({err})") from err
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CorruptCheckpointError(f"{meta_path} is not a {FORMAT} metadata file")
    if meta.get("version", 0) > FORMAT_VERSION:
        raise CorruptCheckpointError(
            f"{path} was written by a newer kerasgan (format version "
            f"{meta.get('version')}; this one reads up to {FORMAT_VERSION})"
        )
    files = meta.get("files")
    if not isinstance(files, dict) or not {WEIGHTS_FILE, STATE_FILE} <= set(files):
        raise CorruptCheckpointError(f"{meta_path} does not list the checkpoint's files")
    for name, info in files.items():
        file_path = os.path.join(path, name)
        if not os.path.isfile(file_path):
            raise CorruptCheckpointError(f"{file_path} is missing")
        size = os.path.getsize(file_path)
        if size != info["size"]:
            raise CorruptCheckpointError(
                f"{file_path} has {size} bytes, the metadata says {info['size']} "
                "(truncated or overwritten)"
            )
        if sha256(file_path) != info["sha256"]:
            raise CorruptCheckpointError(f"{file_path} does not match its sha256 (corrupt)")
    return meta


def write_checkpoint(backup_dir: str, step: int, write_files: Callable[[str], list[str]],
                     meta: dict) -> str:
    """Writes the checkpoint of `step` atomically; returns its path.

    Args:
        backup_dir: Directory of the checkpoints.
        step: Global step (names the directory `ckpt-<step>`).
        write_files: `write_files(directory)` writes the payload into
            `directory` and returns the file names it wrote.
        meta: Metadata; `format`, `version` and `files` (sizes and sha256
            of the payload) are added.

    Returns:
        The committed `ckpt-<step>` directory.
    """
    os.makedirs(backup_dir, exist_ok=True)
    final = os.path.join(backup_dir, f"ckpt-{step:012d}")
    tmp = os.path.join(backup_dir, f"{TMP_PREFIX}{step:012d}-{os.getpid()}")
    if os.path.exists(tmp):
        shutil.rmtree(tmp)
    os.makedirs(tmp)
    files = {}
    for name in write_files(tmp):
        file_path = os.path.join(tmp, name)
        fsync_file(file_path)
        files[name] = {"sha256": sha256(file_path), "size": os.path.getsize(file_path)}
    meta = {"format": FORMAT, "version": FORMAT_VERSION, **meta, "files": files}
    with open(os.path.join(tmp, METADATA_FILE), "w", encoding="utf-8") as f:
        json.dump(meta, f)
        f.flush()
        os.fsync(f.fileno())
    fsync_dir(tmp)
    trash = None
    if os.path.exists(final):  # same step saved again (e.g. at an epoch end)
        trash = os.path.join(backup_dir, f"{TRASH_PREFIX}{step:012d}-{os.getpid()}")
        os.replace(final, trash)
    os.replace(tmp, final)  # the commit point
    fsync_dir(backup_dir)
    if trash:
        shutil.rmtree(trash, ignore_errors=True)
    return final


def prune(backup_dir: str, keep: int) -> None:
    """Removes all but the `keep` newest checkpoints."""
    for _, old in list_checkpoints(backup_dir)[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def cleanup_temporaries(backup_dir: str) -> None:
    """Removes what an interrupted save left behind."""
    if not os.path.isdir(backup_dir):
        return
    for name in os.listdir(backup_dir):
        if name.startswith((TMP_PREFIX, TRASH_PREFIX)):
            shutil.rmtree(os.path.join(backup_dir, name), ignore_errors=True)


def discard_newer(backup_dir: str, step: int) -> None:
    """Sets aside checkpoints newer than `step` (the unreadable ones skipped on restore)."""
    for other, path in list_checkpoints(backup_dir):
        if other > step:
            os.replace(path, f"{path}.corrupt-{int(time.time())}")


def delete_checkpoints(backup_dir: str) -> None:
    """Removes every checkpoint and temporary (and the directory if then empty)."""
    if not os.path.isdir(backup_dir):
        return
    for name in os.listdir(backup_dir):
        if CKPT_RE.match(name.split(".corrupt-")[0]) or name.startswith(
            (TMP_PREFIX, TRASH_PREFIX)
        ):
            shutil.rmtree(os.path.join(backup_dir, name), ignore_errors=True)
    try:
        os.rmdir(backup_dir)
    except OSError:
        pass
