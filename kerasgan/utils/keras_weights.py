"""Finding `keras.applications` ImageNet weights in the Keras cache.

Used by the InceptionV3 feature extractor (FID/KID/IS) and the VGG19 content
loss. Weights are looked up where Keras caches them; a download is attempted
only when allowed, so offline machines get an error that names the file and
where to put it instead of a hanging request.
"""

from __future__ import annotations

import os

import keras


class WeightsNotFoundError(FileNotFoundError):
    """Pretrained weights are neither cached nor downloadable."""


def keras_cache_dirs() -> list[str]:
    """Directories where Keras caches downloads (`$KERAS_HOME` or `~/.keras`).

    Read at call time, so setting `KERAS_HOME` later is honoured. Like Keras, falls
    back to `/tmp/.keras` when the home directory is not writable.
    """
    home = os.environ.get("KERAS_HOME")
    if home:
        return [os.path.expanduser(home)]
    base = os.path.expanduser("~")
    dirs = [os.path.join(base, ".keras")]
    if not os.access(base, os.W_OK):
        dirs.append(os.path.join("/tmp", ".keras"))
    return dirs


def cached_weights_path(fname: str, url: str, file_hash: str, network: str,
                        allow_download: bool = False, hint: str = "") -> str:
    """Path of a Keras weights file `models/<fname>` in the cache.

    Args:
        fname: File name, e.g. `vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`.
        url: Where Keras downloads it from.
        file_hash: The hash Keras checks on download.
        network: Name used in the error message (e.g. `"VGG19"`).
        allow_download: Download into the cache if missing.
        hint: Extra advice appended to the error (alternatives to the weights).

    Returns:
        The file's path.

    Raises:
        WeightsNotFoundError: not cached and download not allowed or failed.
    """
    dirs = keras_cache_dirs()
    for directory in dirs:
        path = os.path.join(directory, "models", fname)
        if os.path.isfile(path):
            return path
    expected = os.path.join(dirs[0], "models", fname)
    help_text = (
        f"ImageNet weights for {network} are not in the Keras cache: expected {expected} "
        f"(~/.keras/models/{fname} unless KERAS_HOME is set). On a machine with network "
        f"access download {url} and copy it there, or pass the file directly with "
        f"weights='/path/to/{fname}'.{(' ' + hint) if hint else ''}"
    )
    if not allow_download:
        raise WeightsNotFoundError(help_text + " (allow_download=False: no download attempted.)")
    try:
        return keras.utils.get_file(fname, url, cache_subdir="models", file_hash=file_hash,
                                    cache_dir=dirs[0])
    except Exception as err:  # no network, proxy, disk full, ...
        raise WeightsNotFoundError(f"{help_text} Download failed: {err}") from err
