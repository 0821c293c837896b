"""`translate_photo`: frame a photo's subject, translate it, blend it back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from kerasgan.photos.blending import BLEND_MODES, seamless_paste
from kerasgan.photos.detect import detector_unavailable_reason, find_animal_face
from kerasgan.photos.framing import (CROP_MODES, Square, _resize, center_square, face_square,
                                     paste, resize_square, resize_whole)


@dataclass(frozen=True)
class PhotoTranslation:
    """What `translate_photo` did.

    Attributes:
        image: The translated photo, uint8, the input's shape.
        crop: The framing used: "none", "whole", "center" or "face".
        square: The region translated (None for "none" and "whole").
        note: One line saying why a face was not used (a "face" request that
            fell back to the centre square), else None.
    """

    image: np.ndarray
    crop: str
    square: Square | None
    note: str | None = None


def translate_photo(translate: Callable[[np.ndarray], np.ndarray], photo: np.ndarray,
                    size: int, crop: str = "face",
                    subject: str | None = None, blend: str = "seamless") -> PhotoTranslation:
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
            or no detector can run; `note` then says which).
        subject: The animal whose face "face" looks for (e.g. "cat").
        blend: How a translated square ("center", "face") goes back into the
            photo: "seamless" (gradient domain: the translation's shapes, its
            colours meeting the photo's at the border; no visible square) or
            "feather" (the translation's own colours, faded in at the border).

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
    if crop == "face":
        reason = detector_unavailable_reason(subject)
        if reason is None:
            box = find_animal_face(photo, subject)
            if box is not None:
                square = face_square(box, h, w)
            else:
                reason = f"no {subject} face found"
        if square is None:
            note = f"{reason}; translated the centre square"
    used = "face" if square is not None else "center"
    square = square or center_square(h, w)
    patch = translate(resize_square(photo, square, size)[None])[0]
    if square == Square(0, 0, h) and h == w:
        image = _resize(patch, h, w)
    else:
        image = (seamless_paste if blend == "seamless" else paste)(photo, patch, square)
    return PhotoTranslation(image, used, square, note)
