"""Crop, resize and scale steps shared by the tf.data pipelines."""

from __future__ import annotations

from kerasgan.utils.optional import require_tensorflow


def crop_and_resize(image, image_size: int, crop="center"):
    """Crops then resizes a uint8 `(h, w, c)` image tensor to a float square.

    Args:
        image: uint8 tensor `(h, w, c)`.
        image_size: Output side.
        crop: `"center"` (largest centred square), an int (centred square of
            that side, clipped to the image), a box `(top, left, height, width)`,
            or None (resize the whole image, changing its aspect ratio).

    Returns:
        float32 tensor `(image_size, image_size, c)` in [-1, 1].
    """
    tf = require_tensorflow("kerasgan.data.transforms.crop_and_resize (a tf.data map function)")

    shape = tf.shape(image)
    h, w = shape[0], shape[1]
    if crop == "center" or isinstance(crop, int):
        side = tf.minimum(h, w)
        if isinstance(crop, int) and not isinstance(crop, bool):
            side = tf.minimum(side, crop)
        top = (h - side) // 2
        left = (w - side) // 2
        image = image[top:top + side, left:left + side]
    elif isinstance(crop, (tuple, list)) and len(crop) == 4:
        top, left, ch, cw = (int(v) for v in crop)
        image = image[top:top + ch, left:left + cw]
    elif crop is not None:
        raise ValueError(
            "crop must be 'center', an int, a (top, left, height, width) box or "
            f"None; received {crop!r}."
        )
    image = tf.image.resize(
        tf.cast(image, tf.float32), (image_size, image_size), method="area", antialias=True
    )
    return tf.clip_by_value(image / 127.5 - 1.0, -1.0, 1.0)
