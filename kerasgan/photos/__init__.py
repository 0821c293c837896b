"""Whole photos in, whole photos out: find the subject, translate it, blend it back.

Image-to-image models such as the zoo's `cyclegan_cats2dogs` learn on tightly
framed subjects (aligned animal faces at 128x128). `kerasgan.photos` frames a
whole photo the same way -- the detected face, or the centre square -- so the
model sees what it was trained on, and pastes the translation back into the
photo at its original size.
"""

from kerasgan.photos.blending import BLEND_MODES, blend_square, seamless_paste
from kerasgan.photos.detect import (FACE_TILTS, detector_unavailable_reason, find_animal_face,
                                    find_face, find_tilted_face)
from kerasgan.photos.face_finder import (FINDER_CLASSES, build_face_finder, find_face_square,
                                         load_face_finder)
from kerasgan.photos.framing import (CROP_MODES, Square, center_square, face_keep_mask,
                                     face_square, paste, resize_square)
from kerasgan.photos.translate import PhotoTranslation, translate_photo

__all__ = ["BLEND_MODES", "CROP_MODES", "FACE_TILTS", "FINDER_CLASSES", "PhotoTranslation",
           "Square", "blend_square", "build_face_finder", "center_square",
           "detector_unavailable_reason", "face_keep_mask", "face_square", "find_animal_face",
           "find_face", "find_face_square", "find_tilted_face", "load_face_finder", "paste",
           "resize_square", "seamless_paste", "translate_photo"]
