"""Finding a preset's weight files: the resolution order and the cache.

For each file of a preset, in order:

1. the folder (or file) the user passes as `weights_dir`: if given, the file
   must be there;
2. the cache, `<cache_dir>/presets/<name>/<file>` with `cache_dir` defaulting
   to `$KERASGAN_HOME`, else `$KERAS_HOME/kerasgan`, else `~/.keras/kerasgan`;
3. the preset's own folder (the copy shipped in the package, or the files
   `save_preset` wrote next to `preset.json`);
4. a download into the cache, from `$KERASGAN_ZOO_URL/<name>/<file>` when that
   mirror is set, else from the preset's `urls` in order. Never when offline
   (`offline=True` or `KERASGAN_OFFLINE=1`).

Every file used is checked against its sha256. A cached file that fails the
check is ignored (with a warning) and replaced by the next download.
"""

from __future__ import annotations

import os
import warnings

from kerasgan.zoo.checksum import sha256_file, verify_sha256
from kerasgan.zoo.download import download
from kerasgan.zoo.errors import ChecksumError, DownloadError, WeightsNotFoundError
from kerasgan.zoo.preset import Preset

HOME_ENV = "KERASGAN_HOME"
OFFLINE_ENV = "KERASGAN_OFFLINE"
MIRROR_ENV = "KERASGAN_ZOO_URL"
_TRUE = ("1", "true", "yes", "on")


def kerasgan_home() -> str:
    """The cache root: `$KERASGAN_HOME`, else `$KERAS_HOME/kerasgan`, else `~/.keras/kerasgan`."""
    home = os.environ.get(HOME_ENV)
    if not home:
        home = os.path.join(os.environ.get("KERAS_HOME", os.path.join("~", ".keras")),
                            "kerasgan")
    return os.path.abspath(os.path.expanduser(home))


def is_offline(offline: bool | None = None) -> bool:
    """`offline` if given, else whether `$KERASGAN_OFFLINE` is 1/true/yes/on."""
    if offline is not None:
        return bool(offline)
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in _TRUE


def cache_path(preset: Preset, attr: str, cache_dir: str | None = None) -> str:
    """Where the cache keeps a preset's weight file: `<cache_dir>/presets/<name>/<file>`."""
    root = os.path.abspath(os.path.expanduser(cache_dir)) if cache_dir else kerasgan_home()
    return os.path.join(root, "presets", preset.name, preset.weights[attr]["file"])


def download_urls(preset: Preset, attr: str) -> list[str]:
    """URLs tried for a file: only the mirror when `$KERASGAN_ZOO_URL` is set."""
    file = preset.weights[attr]["file"]
    mirror = os.environ.get(MIRROR_ENV, "").strip()
    if mirror:
        return [f"{mirror.rstrip('/')}/{preset.name}/{file}"]
    return list(preset.weights[attr]["urls"])


def _describe(preset: Preset, attr: str) -> str:
    return f"{preset.weights[attr]['file']!r} of preset {preset.name!r}"


def locate(preset: Preset, attr: str, cache_dir: str | None = None) -> tuple[str, str | None]:
    """Where a file is now, without hashing or downloading.

    Returns:
        `(status, path)`: `("cache", path)`, `("shipped", path)` for the
        package's copy, `("local", path)` for a copy next to a user preset's
        `preset.json`, or `("missing", None)`.
    """
    entry = preset.weights[attr]
    cached = cache_path(preset, attr, cache_dir)
    if os.path.isfile(cached):
        return "cache", cached
    beside = os.path.join(preset.directory, entry["file"])
    if os.path.isfile(beside):
        return ("shipped" if preset.shipped else "local"), beside
    return "missing", None


def _missing_message(preset: Preset, attr: str, destination: str, reason: str) -> str:
    entry = preset.weights[attr]
    urls = download_urls(preset, attr)
    message = (
        f"Weight file {_describe(preset, attr)} is not available: {reason}\n"
        f"  file:   {entry['file']} ({entry['size']} bytes)\n"
        f"  sha256: {entry['sha256']}\n"
        f"Put it at:\n  {destination}\n"
        "(or pass weights_dir= / --weights-dir: a folder holding it)."
    )
    if urls:
        message += "\nOn a machine with network, fetch it from:\n" + "\n".join(
            f"  {u}" for u in urls)
    return message


def weights_file(preset: Preset, attr: str, weights_dir: str | None = None,
                 offline: bool | None = None, cache_dir: str | None = None,
                 progress: bool | None = None) -> str:
    """The verified local path of one of a preset's weight files.

    Args:
        preset: The preset (see `kerasgan.zoo.registry.find_preset`).
        attr: The `weights` key, e.g. `"generator"`.
        weights_dir: A folder holding the file, or the file itself; when
            given, nothing else is searched.
        offline: Never use the network (default: `$KERASGAN_OFFLINE`).
        cache_dir: Cache root (default: `kerasgan_home()`).
        progress: Download progress bar (default: when stderr is a terminal).

    Returns:
        The path of a file whose sha256 matches the preset.

    Raises:
        ChecksumError: A user-given or shipped file, or a download, has the
            wrong sha256.
        WeightsNotFoundError: The file is nowhere and may not or cannot be
            downloaded; the message says where to put it.
        DownloadError: Every download attempt failed.
    """
    entry = preset.weights[attr]
    file, sha = entry["file"], entry["sha256"]
    what = _describe(preset, attr)

    if weights_dir is not None:
        given = os.path.abspath(os.path.expanduser(weights_dir))
        is_file = os.path.isfile(given) or given.endswith(".weights.h5")
        path = given if is_file else os.path.join(given, file)
        if not os.path.isfile(path):
            raise WeightsNotFoundError(_missing_message(
                preset, attr, path, f"it is not in the weights_dir you passed ({given})."))
        verify_sha256(path, sha, what, "This is not the file the preset was published "
                      "with: replace it with the right file, or stop passing weights_dir.")
        return path

    cached = cache_path(preset, attr, cache_dir)
    if os.path.isfile(cached):
        if sha256_file(cached) == sha:
            return cached
        warnings.warn(f"Ignoring the cached {what} at {cached}: its sha256 does not "
                      "match the preset; it will be replaced by a fresh copy.",
                      stacklevel=2)

    beside = os.path.join(preset.directory, file)
    if os.path.isfile(beside):
        where = "the copy shipped with kerasgan" if preset.shipped else "the copy next to preset.json"
        verify_sha256(beside, sha, f"{what} ({where})",
                      "The installed file is corrupted or was replaced: reinstall kerasgan "
                      "(pip install --force-reinstall kerasgan), or delete it to download "
                      "a fresh copy into the cache."
                      if preset.shipped else
                      "Re-export the preset with zoo.save_preset, or delete the file to "
                      "download it.")
        return beside

    if is_offline(offline):
        raise WeightsNotFoundError(_missing_message(
            preset, attr, cached, "offline mode (KERASGAN_OFFLINE=1 or offline=True) "
            "forbids downloading and the file is in no local folder."))
    urls = download_urls(preset, attr)
    if not urls:
        raise WeightsNotFoundError(_missing_message(
            preset, attr, cached, "the preset lists no URL to download it from."))
    failures = []
    for url in urls:
        try:
            return download(url, cached, sha, entry["size"], progress=progress)
        except (ChecksumError, DownloadError) as e:
            failures.append(e)
    if len(failures) == 1:
        raise failures[0]
    last = failures[-1]
    summary = "\n".join(f"  - {e}".replace("\n", "\n    ") for e in failures)
    raise type(last)(f"Every URL of {what} failed:\n{summary}") from last
