"""`translate_photo`: frame a photo's subject, translate it, blend it back."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np

from kerasgan.photos.blending import BLEND_MODES, blend_square
from kerasgan.photos.detect import (CASCADES, detector_unavailable_reason, find_animal_face,
                                    find_tilted_face)
from kerasgan.photos.face_finder import FINDER_SIZE, find_face_square
from kerasgan.photos.framing import (CROP_MODES, Square, _resize, center_square, face_square,
                                     resize_square, resize_whole)


@dataclass(frozen=True)
class PhotoTranslation:
    """What `translate_photo` did.

    Attributes:
        image: The translated photo, uint8, the input's shape.
        crop: The framing used: "none", "whole", "center" or "face".
        square: The region translated (None for "none" and "whole"), in the
            photo's pixels; for a tilted face, in the photo turned by `angle`
            degrees about `pivot` (see `corners`).
        note: One line saying why a face was not used (a "face" request that
            fell back to the centre square), else None.
        angle: The found face's tilt in degrees, counter-clockwise (0: upright).
        pivot: The point `(x, y)` the photo was turned about (None when upright).
    """

    image: np.ndarray
    crop: str
    square: Square | None
    note: str | None = None
    angle: float = 0.0
    pivot: tuple[float, float] | None = None

    def corners(self) -> np.ndarray | None:
        """The translated region's corners `(x, y)` in the photo's pixels, shape (4, 2).

        Top-left, top-right, bottom-right, bottom-left as the face sees them;
        None for "none" and "whole".
        """
        if self.square is None:
            return None
        s = self.square
        pts = np.array([[s.left, s.top], [s.left + s.side, s.top],
                        [s.left + s.side, s.top + s.side], [s.left, s.top + s.side]], "float64")
        if not self.angle:
            return pts
        from kerasgan.photos.tilt import turn_matrix

        back = turn_matrix(-self.angle, self.pivot)
        return pts @ back[:, :2].T + back[:, 2]


#: Subjects whose faces the learned finder (`kerasgan.photos.find_face_square`)
#: looks for in `translate_photo`: dogs (OpenCV has no dog cascade), and cats
#: where OpenCV's cascade finds no face, upright or tilted.
FINDER_SUBJECTS = ("cat", "dog")


def translate_photo(translate: Callable[[np.ndarray], np.ndarray], photo: np.ndarray,
                    size: int, crop: str = "face",
                    subject: str | None = None, blend: str = "seamless",
                    finder=None) -> PhotoTranslation:
    """Translates one photo with a model trained on framed `size` x `size` subjects.

    Args:
        translate: Maps uint8 images `(n, h, w, c)` to translated uint8 images
            of the same shape (e.g. a CycleGAN generator's translation).
        photo: uint8 `(height, width, channels)`.
        size: The model's training size (the square the subject is resized to).
        crop: "none" (the photo as it is, at its own size), "whole" (rescaled so
            its shorter side is `size`: for inputs that are already face
            crops), "center" (the centre square) or "face" (the square around
            the `subject`'s face, or the centre square when no face is found
            or no detector can run; `note` then says which). Cats: OpenCV's
            cat-face cascade; a face found only in the photo turned by one
            of `detect.FACE_TILTS` is framed, translated and blended upright
            and turned back; where the cascade finds none (or OpenCV is
            missing), the learned finder. Dogs: the learned finder
            (`finder`).
        subject: The animal whose face "face" looks for (e.g. "cat").
        blend: How a translated square ("center", "face") goes back into the
            photo: "seamless" (gradient domain, no visible square: the face
            keeps the translation's colours, its surroundings meet the
            photo's at the border), "poisson" (gradient domain throughout:
            the face, too, takes on the photo's colours) or "feather" (the
            translation's own colours, faded in at the border).
        finder: For a "face" framing of a subject in `FINDER_SUBJECTS`
            (cats, dogs): the learned face finder to search with (None: the
            shipped one, `kerasgan.photos.load_face_finder()`; or a model of
            your own), or False to use none.

    Returns:
        A `PhotoTranslation`.

    Example:
    ```python
    out = translate_photo(lambda x: model.translate(x), photo, 128, "face", "cat")
    PIL.Image.fromarray(out.image).save("dog.png")
    ```
    """
    if crop not in CROP_MODES:
        raise ValueError(f"crop must be one of {CROP_MODES}; received {crop!r}.")
    if blend not in BLEND_MODES:
        raise ValueError(f"blend must be one of {BLEND_MODES}; received {blend!r}.")
    photo = np.asarray(photo)
    h, w = photo.shape[:2]
    if crop == "none":
        return PhotoTranslation(translate(photo[None])[0], "none", None)
    if crop == "whole":
        small = resize_whole(photo, size)
        return PhotoTranslation(_resize(translate(small[None])[0], h, w), "whole", None)
    note = None
    square = None
    angle, pivot = 0.0, None
    if crop == "face":
        square, angle, pivot, reason = _face_framing(photo, subject, finder)
        if square is None:
            note = f"{reason}; translated the centre square"
    used = "face" if square is not None else "center"
    square = square or center_square(h, w)
    paste_back = partial(blend_square, blend=blend)
    if angle:
        image = _turned(translate, photo, size, square, angle, pivot, paste_back)
        return PhotoTranslation(image, used, square, note, angle, pivot)
    patch = translate(resize_square(photo, square, size)[None])[0]
    if square == Square(0, 0, h) and h == w:
        image = _resize(patch, h, w)
    else:
        image = paste_back(photo, patch, square)
    return PhotoTranslation(image, used, square, note)


def _face_framing(photo, subject, finder):
    """`(square, angle, pivot, reason)`: where `subject`'s face is, or None and why not.

    OpenCV's cascade first (upright, then tilted), then the learned finder
    for `FINDER_SUBJECTS` (unless `finder` is False).
    """
    h, w = photo.shape[:2]
    square, angle, pivot = None, 0.0, None
    reason = detector_unavailable_reason(subject)
    cascade_missing = reason if subject in CASCADES else None  # it exists but cannot run
    if reason is None:
        box = find_animal_face(photo, subject)
        if box is None:
            found = find_tilted_face(photo, subject)
            if found is not None:
                box, angle = found
                pivot = (box[0] + (box[2] - 1) / 2, box[1] + (box[3] - 1) / 2)
        if box is not None:
            return face_square(box, h, w), angle, pivot, None
        reason = f"no {subject} face found"
    if subject in FINDER_SUBJECTS and finder is not False:
        square, reason = _learned_square(photo, subject, finder)
        if square is None and cascade_missing:
            reason = f"{reason}, and {cascade_missing}"
    return square, 0.0, None, reason


def _learned_square(photo, subject, finder) -> tuple[Square | None, str | None]:
    """The learned finder's square for `subject`'s face, or None and why not."""
    if photo.ndim != 3 or photo.shape[-1] != 3:
        return None, f"the {subject}-face finder takes RGB photos"
    if min(photo.shape[:2]) < FINDER_SIZE:
        return None, f"the photo is too small for the {subject}-face finder"
    found = find_face_square(photo, subject, finder)
    return (found[0], None) if found else (None, f"no {subject} face found")


def _turned(translate, photo, size, square, angle, pivot, paste_back) -> np.ndarray:
    """Translates `square` of `photo` turned by `angle` about `pivot`, and turns it back.

    Only the turned square changes: outside it the photo keeps its own pixels
    (not resampled twice); a one-pixel linear edge joins the two.
    """
    from kerasgan.photos.tilt import turn_matrix, warp

    h, w = photo.shape[:2]
    forward, back = turn_matrix(angle, pivot), turn_matrix(-angle, pivot)
    upright = warp(photo, forward, w, h)
    patch = translate(resize_square(upright, square, size)[None])[0]
    done = warp(paste_back(upright, patch, square), back, w, h)
    s = square
    mask = np.zeros((h, w), "float32")
    mask[s.top:s.top + s.side, s.left:s.left + s.side] = 1.0
    mask = warp(mask, back, w, h, reflect=False, linear=True)
    mask = mask.reshape(mask.shape + (1,) * (photo.ndim - 2))
    out = photo + mask * (done.astype("float32") - photo)
    return np.clip(np.round(out), 0, 255).astype("uint8")
