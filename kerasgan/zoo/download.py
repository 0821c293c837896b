"""Downloading a weight file into the cache: atomically, verified, or not at all.

The file is streamed into a temporary file next to its destination while its
sha256 is computed; only when the byte count and the hash match the preset is
it renamed into place (`os.replace`, atomic on one filesystem). Any failure
(HTTP error, refused or dropped connection, short transfer, wrong hash,
Ctrl-C) deletes the temporary file, so the cache never holds partial or
corrupt files. `hf://org/repo/path` URLs go through the optional
`huggingface_hub`, then through the same verification.

The standard library's `urllib` is the HTTP client (not `keras.utils.get_file`,
which reports every failure as a bare `Exception`, writes to the final path
directly and falls back to `/tmp` when the cache is not writable).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request

from kerasgan.zoo.errors import ChecksumError, DownloadError

_CHUNK = 1 << 16
TIMEOUT_S = 60


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


def download(url: str, destination: str, sha256: str, size: int | None = None,
             progress: bool | None = None) -> str:
    """Downloads `url` to `destination` if, and only if, its sha256 matches.

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
            error, or the transfer stopped early.
    """
    folder = os.path.dirname(os.path.abspath(destination))
    try:
        os.makedirs(folder, exist_ok=True)
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

