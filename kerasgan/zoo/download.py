"""Downloading a weight file into the cache: atomically, verified, or not at all.

The file is streamed into a temporary file next to its destination while its
sha256 is computed; only when the byte count and the hash match the preset is
it flushed to disk (`fsync`) and renamed into place (`os.replace`, atomic on
one filesystem). Any failure (HTTP error, refused or dropped connection, short
transfer, wrong hash, Ctrl-C) deletes the temporary file, so the cache never
holds partial or corrupt files. `hf://org/repo/path` URLs go through the
optional `huggingface_hub`, then through the same verification.

Processes share the cache safely. A download holds an exclusive lock on
`<destination>.lock` (`fcntl.flock`): a second process loading the same file
waits for it, then finds the verified file and downloads nothing. The kernel
releases the lock of a process that dies, even by SIGKILL, so a stale lock
file never blocks anyone; the temporary `.part` file such a process leaves
is never read (only the final name is) and is deleted by the next download.
Without `fcntl` (Windows) there is no lock: concurrent processes may both
download, and each still replaces the file atomically with a verified copy.

The standard library's `urllib` is the HTTP client (not `keras.utils.get_file`,
which reports every failure as a bare `Exception`, writes to the final path
directly and falls back to `/tmp` when the cache is not writable).
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import http.client
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request

from kerasgan.zoo.checksum import sha256_file
from kerasgan.zoo.errors import ChecksumError, DownloadError

_CHUNK = 1 << 16
TIMEOUT_S = 60
#: How long a process waits for another one downloading the same file.
LOCK_TIMEOUT_S = 3600
_LOCK_POLL_S = 0.05

try:
    import fcntl
except ImportError:  # Windows: no cross-process lock (see the module docstring)
    fcntl = None


def _progress(total: int | None, desc: str, enabled: bool | None):
    """A tqdm bar on stderr (off when stderr is not a terminal, unless forced)."""
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is optional
        return contextlib.nullcontext(None)
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
                file=sys.stderr, disable=None if enabled is None else not enabled,
                leave=False)


def _stream_http(url: str, out, digest, desc: str, progress: bool | None) -> int:
    request = urllib.request.Request(url, headers={"User-Agent": "kerasgan-zoo"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        received = 0
        with _progress(total, desc, progress) as bar:
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        if total is not None and received != total:
            raise http.client.IncompleteRead(b"", total - received)
    return received


def _parse_hf(url: str) -> tuple[str, str, str | None]:
    """`hf://org/repo[@revision]/path/in/repo` -> (repo_id, filename, revision)."""
    parts = url[len("hf://"):].split("/")
    if len(parts) < 3 or not all(parts):
        raise DownloadError(f"Malformed Hugging Face URL {url!r}; expected "
                            "hf://org/repo/path/to/file.weights.h5 (optionally org/repo@revision).")
    repo, revision = parts[1], None
    if "@" in repo:
        repo, revision = repo.split("@", 1)
    return f"{parts[0]}/{repo}", "/".join(parts[2:]), revision


def _copy_hf(url: str, out, digest) -> int:
    try:
        import huggingface_hub
    except ImportError as e:
        raise DownloadError(
            f"{url} is on the Hugging Face Hub, which needs the optional package "
            "huggingface_hub: pip install huggingface_hub (or set KERASGAN_ZOO_URL "
            "to a mirror)."
        ) from e
    repo_id, filename, revision = _parse_hf(url)
    try:
        local = huggingface_hub.hf_hub_download(repo_id=repo_id, filename=filename,
                                                revision=revision)
    except Exception as e:  # the hub raises many kinds of errors
        raise DownloadError(f"Could not download {url} from the Hugging Face Hub: {e}") from e
    received = 0
    with open(local, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            out.write(chunk)
            digest.update(chunk)
            received += len(chunk)
    return received


def _sha256_of(path: str) -> str | None:
    try:
        return sha256_file(path)
    except OSError:
        return None


@contextlib.contextmanager
def cache_lock(destination: str, timeout: float | None = None, note=None):
    """Holds an exclusive lock on `<destination>.lock` (waits while another process does).

    The lock is `fcntl.flock` on the lock file, which the kernel releases when
    its holder exits or is killed. The holder deletes the lock file when done;
    a waiter that locked a file meanwhile deleted (or replaced) retries, so
    two processes never both believe they hold it.

    Args:
        destination: The file the lock protects.
        timeout: Seconds to wait before raising `DownloadError` (default
            `LOCK_TIMEOUT_S`, an hour).
        note: Called once (with no argument) if this process has to wait.

    Raises:
        DownloadError: The lock file cannot be created, or another holder
            kept the lock longer than `timeout`.

    Example:
    ```python
    with cache_lock(path):
        if not os.path.isfile(path):
            ...  # download into a temporary file, then os.replace(tmp, path)
    ```
    """
    if fcntl is None:
        yield
        return
    path = destination + ".lock"
    timeout = LOCK_TIMEOUT_S if timeout is None else timeout
    deadline = time.monotonic() + timeout
    noted = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise DownloadError(f"Cannot write to the cache folder {os.path.dirname(path)}: "
                                f"{e}. Set KERASGAN_HOME to a writable folder.") from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() > deadline:
                raise DownloadError(
                    f"Another process has been downloading {destination} for over "
                    f"{timeout:.0f} s (it holds {path}). Wait for it, or stop it and retry."
                ) from None
            if not noted and note is not None:
                note()
                noted = True
            time.sleep(_LOCK_POLL_S)
            continue
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder deleted that lock file as we opened it: again
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        os.close(fd)  # releases the lock


def _remove_stale_parts(destination: str) -> None:
    """Deletes the `.part` files of earlier, interrupted downloads (called under the lock)."""
    folder, name = os.path.split(os.path.abspath(destination))
    for part in glob.glob(os.path.join(glob.escape(folder), f".{glob.escape(name)}.*.part")):
        with contextlib.suppress(OSError):
            os.remove(part)


def _fsync_folder(folder: str) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def download(url: str, destination: str, sha256: str, size: int | None = None,
             progress: bool | None = None) -> str:
    """Downloads `url` to `destination` if, and only if, its sha256 matches.

    Holds `cache_lock(destination)` meanwhile; if another process downloaded
    the file while this one waited for the lock, its verified copy is used.

    Args:
        url: `https://`, `http://` or `hf://org/repo/path` URL.
        destination: Final path (its folder is created).
        sha256: Expected hex sha256.
        size: Expected size in bytes, if known.
        progress: Show a progress bar: None (default) when stderr is a
            terminal, or True/False.

    Returns:
        `destination`.

    Raises:
        ChecksumError: The downloaded bytes do not hash to `sha256`.
        DownloadError: The server could not be reached, answered with an HTTP
            error, or the transfer stopped early; or another process held
            the lock longer than `LOCK_TIMEOUT_S`.
    """
    folder = os.path.dirname(os.path.abspath(destination))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise DownloadError(f"Cannot write to the cache folder {folder}: {e}. Set "
                            "KERASGAN_HOME to a writable folder.") from e

    def note():
        if progress or (progress is None and sys.stderr.isatty()):
            print(f"Waiting for another process downloading {os.path.basename(destination)}",
                  file=sys.stderr)

    with cache_lock(destination, note=note):
        # Another process may have finished this download while we waited.
        if os.path.isfile(destination) and _sha256_of(destination) == sha256:
            return destination
        _remove_stale_parts(destination)
        return _download_unlocked(url, destination, sha256, size, progress, folder)


def _download_unlocked(url: str, destination: str, sha256: str, size: int | None,
                       progress: bool | None, folder: str) -> str:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(destination)}.",
                                   suffix=".part", dir=folder)
    except OSError as e:
        raise DownloadError(f"Cannot write to the cache folder {folder}: {e}. Set "
                            "KERASGAN_HOME to a writable folder.") from e
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            if url.startswith("hf://"):
                received = _copy_hf(url, out, digest)
            else:
                received = _stream_http(url, out, digest, os.path.basename(destination),
                                        progress)
            out.flush()
            os.fsync(out.fileno())
        if size is not None and received != size:
            raise DownloadError(
                f"Downloaded {received} bytes from {url} but the preset records "
                f"{size}: the server holds a different file. Check the URL or "
                "the mirror (KERASGAN_ZOO_URL)."
            )
        actual = digest.hexdigest()
        if actual != sha256:
            raise ChecksumError(
                f"Checksum mismatch for {os.path.basename(destination)} downloaded "
                f"from {url}:\n  expected sha256 {sha256}\n  actual   sha256 {actual}\n"
                "The file was not kept. The server (or mirror, KERASGAN_ZOO_URL) "
                "serves a different or corrupted file: check the mirror, or retry "
                "later.",
                path=url, expected=sha256, actual=actual,
            )
        os.replace(tmp, destination)
        _fsync_folder(folder)
        return destination
    except urllib.error.HTTPError as e:
        e.close()  # the error holds the open response
        raise DownloadError(f"Downloading {url} failed: HTTP {e.code} {e.reason}.") from e
    except urllib.error.URLError as e:
        raise DownloadError(
            f"Could not reach {url}: {e.reason}. Without network, set "
            "KERASGAN_OFFLINE=1 (or pass offline=True) and put the file in the "
            "cache yourself, or point KERASGAN_ZOO_URL at a reachable mirror."
        ) from e
    except (http.client.HTTPException, ConnectionError, TimeoutError) as e:
        raise DownloadError(
            f"The download of {url} was interrupted ({type(e).__name__}: {e}); "
            "nothing was kept. Retry, or use a mirror (KERASGAN_ZOO_URL)."
        ) from e
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)

