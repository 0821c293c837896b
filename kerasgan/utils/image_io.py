"""Reading and writing image files, with one clear error per bad file.

`read_image` turns any file Pillow reads into uint8 RGB `(h, w, 3)`:

- EXIF orientation is applied (phone photos come out upright);
- CMYK, YCbCr, grayscale, bilevel and palette images are converted to RGB;
- transparency (RGBA, LA, palette or grayscale with a transparent colour) is
  composited over white;
- 16-bit images are scaled to 8 bits (65535 -> 255), not clipped;
- animated images (GIF, APNG, WebP) give their first frame.

It refuses, with an `ImageReadError` naming the file and the problem: missing
files and folders, empty files, files that are not images, truncated or
corrupt files, and images over Pillow's decompression-bomb limit
(`PIL.Image.MAX_IMAGE_PIXELS`).

`write_image` writes atomically: into a temporary file in the destination
folder, renamed over the destination only once complete (`os.replace`), so a
failed or interrupted write leaves no partial file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import warnings

import numpy as np

_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")


class ImageReadError(ValueError):
    """An input image cannot be read; the message names the file and why."""


class ImageWriteError(OSError):
    """An output image cannot be written; the message names the file and why."""


def _has_alpha(image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _to_rgb(image) -> np.ndarray:
    """A loaded Pillow image -> uint8 `(h, w, 3)` (see the module docstring)."""
    from PIL import Image

    if image.mode in _SIXTEEN_BIT_MODES or image.mode == "F":
        values = np.asarray(image, dtype="float64")
        if image.mode != "F":  # 16-bit range -> 8-bit
            values = values / 257.0
        gray = np.clip(np.round(values), 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=-1)
    if _has_alpha(image):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def read_image(path: str) -> np.ndarray:
    """Reads an image file as uint8 RGB `(height, width, 3)`.

    Args:
        path: Any image file Pillow reads.

    Returns:
        A uint8 array `(h, w, 3)`, EXIF-rotated, alpha composited over white,
        16-bit scaled to 8-bit, the first frame of an animation.

    Raises:
        ImageReadError: The file is missing, a folder, empty, not an image,
            truncated or corrupt, or larger than Pillow's decompression-bomb
            limit. The message is one line naming the file.

    Example:
    ```python
    photo = read_image("cat.jpg")  # (h, w, 3) uint8
    ```
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    def refuse(problem: str):
        return ImageReadError(f"Cannot read image {path}: {problem}")

    if os.path.isdir(path):
        raise refuse("it is a folder, not a file.")
    if not os.path.exists(path):
        raise refuse("no such file.")
    try:
        if os.path.getsize(path) == 0:
            raise refuse("the file is empty (0 bytes).")
    except OSError as e:
        raise refuse(f"{e.strerror or e}.") from e
    try:
        with warnings.catch_warnings():
            # Pillow warns between 1x and 2x MAX_IMAGE_PIXELS and raises above: refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.seek(0)  # animations: the first frame
                image.load()
                try:
                    image = ImageOps.exif_transpose(image)
                except Exception:  # unreadable EXIF: the pixels as stored
                    pass
                return _to_rgb(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise refuse(f"its size is over Pillow's decompression-bomb limit of "
                     f"{Image.MAX_IMAGE_PIXELS} pixels ({_one_line(e)}); resize it first.") from e
    except UnidentifiedImageError as e:
        raise refuse("not an image file (Pillow does not recognise its format).") from e
    except MemoryError as e:
        raise refuse("not enough memory to decode it.") from e
    except Exception as e:  # Pillow's decoders raise many kinds of errors on corrupt files
        raise refuse(f"the file is truncated or corrupt ({type(e).__name__}: "
                     f"{_one_line(e)}).") from e


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def image_format(path: str) -> str:
    """The Pillow format name for a file name's extension (e.g. `"PNG"` for `x.png`).

    Raises:
        ImageWriteError: The extension is not one Pillow can write.
    """
    from PIL import Image

    ext = os.path.splitext(path)[1].lower()
    fmt = Image.registered_extensions().get(ext)
    if fmt is None or fmt not in Image.SAVE:
        raise ImageWriteError(f"Cannot write image {path}: unknown image file extension "
                              f"{ext or '(none)'!r}; use .png or .jpg.")
    return fmt


def check_writable(path: str) -> None:
    """Raises `ImageWriteError` early if `path` cannot be an output image file.

    Checks the extension, that `path` is not a folder, and that its nearest
    existing parent is a writable folder (not a file).
    """
    if os.path.isdir(path):
        raise ImageWriteError(f"Cannot write image {path}: it is a folder.")
    image_format(path)
    check_folder_writable(os.path.dirname(os.path.abspath(path)), what=f"image {path}")


def check_folder_writable(folder: str, what: str | None = None) -> None:
    """Raises `ImageWriteError` unless `folder` is, or can be created as, a writable folder."""
    what = what or f"to folder {folder}"
    parent = os.path.abspath(folder)
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise ImageWriteError(f"Cannot write {what}: {parent} is a file, not a folder.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ImageWriteError(f"Cannot write {what}: no permission to write in {parent}.")

def write_image(path: str, image) -> str:
    """Writes a uint8 `(h, w, c)` array atomically (format from the extension).

    Args:
        path: Destination file, e.g. `out/cat.png`; missing folders are created.
        image: uint8 `(h, w)`, `(h, w, 1)`, `(h, w, 3)` or `(h, w, 4)`.

    Returns:
        `path`.

    Raises:
        ImageWriteError: The destination cannot be written (its folder is a
            file or read-only, it is a folder, the disk is full, ...). No
            partial file is left behind.

    Example:
    ```python
    write_image("out/cat.png", translated)
    ```
    """
    from PIL import Image

    fmt = image_format(path)
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    folder = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        os.makedirs(folder, exist_ok=True)
        if os.path.isdir(path):
            raise ImageWriteError(f"Cannot write image {path}: it is a folder.")
        # Created like open() would (mode 0o666 less the umask), never over another file.
        name = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        tmp = name
        with os.fdopen(fd, "wb") as f:
            Image.fromarray(image).save(f, format=fmt)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
        return path
    except ImageWriteError:
        raise
    except (OSError, ValueError) as e:
        reason = getattr(e, "strerror", None) or _one_line(e)
        where = getattr(e, "filename", None)
        detail = f" ({where})" if where and where not in (path, tmp) else ""
        raise ImageWriteError(f"Cannot write image {path}: {reason}{detail}.") from e
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.remove(tmp)
