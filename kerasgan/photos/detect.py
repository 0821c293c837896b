"""Face detection with OpenCV's Haar cascades (an optional dependency).

OpenCV 4 ships a frontal cat-face cascade (`haarcascade_frontalcatface_extended.xml`,
Joseph Howse's) and the Viola-Jones frontal human-face cascade
(`haarcascade_frontalface_default.xml`); it has none for dogs. Install it with
`pip install "kerasgan[faces]"` (opencv-python-headless 4.x: the 5.0 wheels no
longer ship the cascade files).
"""

from __future__ import annotations

import functools
import os

import numpy as np

#: Cascade file per animal, in OpenCV's `cv2.data.haarcascades` folder.
CASCADES = {"cat": "haarcascade_frontalcatface_extended.xml",
            "human": "haarcascade_frontalface_default.xml"}
#: Photos are searched at most this many pixels on their longer side (speed).
DETECT_MAX_SIDE = 640
INSTALL_HINT = 'pip install "kerasgan[faces]"'
#: Tilts (degrees, counter-clockwise) that `find_tilted_face` tries, in order.
#: Measured on the first 200 Kaggle test cats (`../shared/data/cats_dogs/test`):
#: upright search finds a face in 54 % of the photos, upright then +-15 degrees
#: in 74 % (by eye, 33 of the 40 new boxes lie on a cat's face); +-30 degrees as
#: well, about 80 % (not checked by eye). On 200 test dogs the cat cascade fires on
#: 11.5 %, 25.5 % and 34.5 %.
FACE_TILTS = (15.0, -15.0)


def _cv2():
    try:
        import cv2
    except ImportError:
        return None
    return cv2


def detector_unavailable_reason(animal: str | None) -> str | None:
    """Why no face detector can run for `animal`, or None when one can.

    Args:
        animal: The subject, e.g. `"cat"`, `"dog"` or `"human"`.

    Returns:
        None if `find_face(image, animal)` can run, else a short reason
        (e.g. `"no dog-face detector"` or `"OpenCV is not installed (pip
        install ...)"`).
    """
    if animal not in CASCADES:
        return f"no {animal}-face detector" if animal else "no face detector for this model"
    cv2 = _cv2()
    if cv2 is None:
        return f"OpenCV is not installed ({INSTALL_HINT})"
    if _cascade_path(cv2, animal) is None:
        return (f"this OpenCV ({cv2.__version__}) has no {CASCADES[animal]} "
                f"({INSTALL_HINT} installs a 4.x that has it)")
    return None


def _cascade_path(cv2, animal):
    folder = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if not folder:
        return None
    path = os.path.join(folder, CASCADES[animal])
    return path if os.path.isfile(path) else None


@functools.lru_cache(maxsize=None)
def _cascade(animal):
    cv2 = _cv2()
    return cv2.CascadeClassifier(_cascade_path(cv2, animal))


def _checked(image, kind: str, caller: str) -> np.ndarray:
    """`image` as an array, once a `kind` detector can run and the image is one uint8 image."""
    reason = detector_unavailable_reason(kind)
    if reason:
        raise ImportError(f"Cannot find {kind} faces: {reason}.")
    image = np.asarray(image)
    if image.ndim not in (2, 3) or image.dtype != np.uint8:
        raise ValueError(f"{caller} takes one uint8 image (height, width[, 3]); "
                         f"received dtype {image.dtype} and shape {image.shape}.")
    return image


def _shrunk(image: np.ndarray) -> tuple[np.ndarray, float]:
    """`image` scaled down to at most `DETECT_MAX_SIDE` on its longer side, and the scale."""
    h, w = image.shape[:2]
    scale = min(1.0, DETECT_MAX_SIDE / max(h, w))
    if scale == 1.0:
        return image, scale
    from PIL import Image

    return np.asarray(Image.fromarray(image).resize(
        (max(1, round(w * scale)), max(1, round(h * scale))), Image.BILINEAR)), scale


def find_animal_face(image, animal: str = "cat") -> tuple[int, int, int, int] | None:
    """Finds the largest `animal` face in a photo: `find_face(image, animal)`."""
    return find_face(image, animal)


def find_tilted_face(image, kind: str = "human", tilts=FACE_TILTS,
                     min_size: int | None = None) -> tuple[tuple[int, int, int, int], float] | None:
    """Finds the largest face of `kind` in the photo turned by each of `tilts` in turn.

    For the faces `find_face` misses because they are not upright. Only the
    tilts are searched: call `find_face` first for upright faces.

    Args:
        image: uint8 array `(height, width, 3)` (RGB) or `(height, width)`.
        kind: A key of `CASCADES`.
        tilts: Angles in degrees (counter-clockwise) to turn the photo by; the
            first that finds a face wins.
        min_size: As in `find_face`, in pixels of `image`.

    Returns:
        `(box, angle)`, or None when no tilt finds a face. `box` is
        `(left, top, width, height)` in pixels of `image`, centred on the
        face; the face is upright in `image` turned by `angle` degrees about
        the box's centre (`tilt.turn_matrix(angle, centre)`).

    Raises:
        ImportError: No detector can run.

    Example:
    ```python
    found = kerasgan.photos.find_tilted_face(photo, "cat")
    if found:
        (left, top, width, height), angle = found
    ```
    """
    import cv2

    from kerasgan.photos.tilt import map_point, turned_canvas

    image = _checked(image, kind, "find_tilted_face")
    small, scale = _shrunk(image)  # turn a small copy: faster
    for angle in tilts:
        turned, matrix = turned_canvas(small, angle)
        box = find_face(turned, kind, None if min_size is None else round(min_size * scale))
        if box is None:
            continue
        x, y, bw, bh = box
        cx, cy = map_point(cv2.invertAffineTransform(matrix),
                           (x + (bw - 1) / 2, y + (bh - 1) / 2))
        cx, cy = (cx + 0.5) / scale - 0.5, (cy + 0.5) / scale - 0.5
        bw, bh = bw / scale, bh / scale
        return ((round(cx - (bw - 1) / 2), round(cy - (bh - 1) / 2), round(bw), round(bh)),
                float(angle))
    return None


def find_face(image, kind: str = "human",
              min_size: int | None = None) -> tuple[int, int, int, int] | None:
    """Finds the largest face of `kind` in a photo.

    Args:
        image: uint8 array `(height, width, 3)` (RGB) or `(height, width)`.
        kind: A key of `CASCADES`: `"human"` or `"cat"`.
        min_size: Smallest face side searched, in pixels of `image` (at least
            the cascade's 24-pixel window). Default: 5% of the shorter side.
            On tight crops, where the face fills most of the image, a large
            value skips the small windows: faster, and no stray small
            "faces" in the background.

    Returns:
        The face box `(left, top, width, height)` in pixels of `image`, or
        None when no face is found.

    Raises:
        ImportError: No detector can run (`detector_unavailable_reason` says why).

    Example:
    ```python
    box = kerasgan.photos.find_face(np.asarray(PIL.Image.open("cat.jpg")), "cat")
    ```
    """
    image = _checked(image, kind, "find_face")
    gray = image if image.ndim == 2 else image[..., :3].astype("float32") @ np.array(
        [0.299, 0.587, 0.114], "float32")
    gray, scale = _shrunk(np.clip(np.round(gray), 0, 255).astype("uint8"))
    min_side = max(24, int(0.05 * min(gray.shape)) if min_size is None
                   else round(min_size * scale))
    if min(gray.shape) < min_side:
        return None
    boxes = _cascade(kind).detectMultiScale(gray, scaleFactor=1.05, minNeighbors=3,
                                              minSize=(min_side, min_side))
    if len(boxes) == 0:
        return None
    x, y, bw, bh = max((tuple(int(v) for v in b) for b in boxes), key=lambda b: b[2] * b[3])
    return (round(x / scale), round(y / scale), round(bw / scale), round(bh / scale))
