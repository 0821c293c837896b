"""`image_folder`: batches of a folder's images, as tf.data or a Keras PyDataset."""

from __future__ import annotations

import logging
import os

from kerasgan.data.pipeline import resolve_pipeline
from kerasgan.data.transforms import crop_and_resize
from kerasgan.utils.optional import require_tensorflow

logger = logging.getLogger("kerasgan")

#: File suffixes `image_folder` reads (case-insensitive).
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")
# Decoded natively by TensorFlow; the others go through Pillow.
_TF_NATIVE = (".jpg", ".jpeg", ".png", ".bmp", ".gif")


def list_images(path: str, check: bool = True) -> list[str]:
    """Lists image files under `path` (recursively, sorted).

    Args:
        path: A folder.
        check: Open each file's header with Pillow and skip (with a warning
            naming them) files that are not readable images.

    Returns:
        Sorted list of file paths.

    Raises:
        FileNotFoundError: `path` does not exist or is not a folder.
        ValueError: no readable image was found.
    """
    if not os.path.isdir(path):
        raise FileNotFoundError(f"Image folder not found: {path!r} (expected a directory).")
    files = []
    for root, _, names in os.walk(path, followlinks=True):
        for name in names:
            if name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith("."):
                files.append(os.path.join(root, name))
    files.sort()
    if check and files:
        files = _readable(files)
    if not files:
        raise ValueError(
            f"No readable images in {path!r}: expected files ending in "
            f"{', '.join(IMAGE_EXTENSIONS)} (searched recursively)."
        )
    return files


def _readable(files):
    from PIL import Image

    good, bad, converted = [], [], []
    for f in files:
        try:
            with Image.open(f) as im:
                im.verify()
                mode = im.mode
        except Exception as err:  # noqa: BLE001 - any decoder error means unreadable
            bad.append(f"{f} ({type(err).__name__}: {err})")
            continue
        good.append(f)
        if mode != "RGB":
            converted.append(f"{f} ({mode})")
    if bad:
        logger.warning(
            "Skipping %d unreadable image file(s): %s", len(bad),
            "; ".join(bad[:5]) + (" ..." if len(bad) > 5 else ""),
        )
    if converted:
        logger.info(
            "Converting %d non-RGB image(s) (grayscale, RGBA, palette...) to RGB, e.g. %s",
            len(converted), converted[0],
        )
    return good


def _decode(path, channels):
    import numpy as np
    import tensorflow as tf

    def pil_decode(p):
        from PIL import Image

        with Image.open(p.decode()) as im:
            im = im.convert("RGB" if channels == 3 else "L")
            arr = np.asarray(im, dtype=np.uint8)
        return arr if arr.ndim == 3 else arr[..., None]

    def native():
        contents = tf.io.read_file(path)

        def jpeg():  # the accurate IDCT, as Pillow (TensorFlow's default is the fast one)
            return tf.io.decode_jpeg(contents, channels=channels, dct_method="INTEGER_ACCURATE")

        def other():
            return tf.io.decode_image(contents, channels=channels, expand_animations=False)

        return tf.cond(tf.io.is_jpeg(contents), jpeg, other)

    def via_pil():
        image = tf.numpy_function(pil_decode, [path], tf.uint8)
        return tf.reshape(image, [tf.shape(image)[0], tf.shape(image)[1], channels])

    pattern = "(?i).*(" + "|".join(e.replace(".", r"\.") for e in _TF_NATIVE) + ")$"
    image = tf.cond(tf.strings.regex_full_match(path, pattern), native, via_pil)
    image.set_shape([None, None, channels])
    return image


def check_image_folder_args(image_size, batch_size, channels) -> None:
    """Raises a ValueError naming a bad `image_size`, `batch_size` or `channels`."""
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3; received {channels}.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; received {batch_size!r}.")
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1:
        raise ValueError(f"image_size must be a positive integer; received {image_size!r}.")


def image_folder(
    path: str,
    image_size: int,
    batch_size: int,
    crop="center",
    shuffle: bool = True,
    seed: int | None = None,
    cache: bool | str = False,
    drop_remainder: bool = True,
    repeat: bool = False,
    channels: int = 3,
    augment_flip: bool = False,
    pipeline: str = "auto",
    workers: int | None = None,
    use_multiprocessing: bool = False,
    max_queue_size: int = 10,
):
    """Image batches from a folder, scaled to [-1, 1]: a tf.data pipeline or a PyDataset.

    Reads jpg/png/bmp/gif natively and webp/tiff through Pillow, recursively.
    Grayscale, palette and RGBA images are converted to RGB; files that are not
    readable images are skipped with a warning naming them.

    Args:
        path: Folder of images (searched recursively).
        image_size: Output side; images are cropped (see `crop`) then resized.
        batch_size: Global batch size.
        crop: `"center"` square, an int side, a `(top, left, h, w)` box, or None.
        shuffle: Shuffle file order every epoch.
        seed: Shuffle seed.
        cache: Cache decoded, resized images in memory (True) or in a file
            (a path prefix). Worth it for datasets that fit.
        drop_remainder: Drop the last incomplete batch (required for equal
            per-replica batches under `tf.distribute`).
        repeat: Repeat forever (then pass `steps_per_epoch` to `fit`).
        channels: 3 (RGB) or 1 (grayscale).
        augment_flip: Random horizontal flips.
        pipeline: `"tf.data"`, `"pydataset"` (a `keras.utils.PyDataset`
            that needs no TensorFlow; see `ImageFolderPyDataset`) or
            `"auto"` (tf.data when TensorFlow is installed).
        workers, use_multiprocessing, max_queue_size: The PyDataset's
            workers (None: `min(8, os.cpu_count())` threads); ignored by
            tf.data, which parallelises itself.

    Returns:
        A `tf.data.Dataset` of float32 tensors `(batch, image_size, image_size,
        channels)`, or an `ImageFolderPyDataset` of such numpy arrays whose
        `len()` is the dataset's cardinality (batches per epoch).

    Example:
    ```python
    ds = kerasgan.data.image_folder("faces/", image_size=64, batch_size=128)
    gan.fit(ds, epochs=20)
    ```
    """
    if resolve_pipeline(pipeline) == "pydataset":
        from kerasgan.data.pydataset.image_folder import ImageFolderPyDataset

        return ImageFolderPyDataset(
            path, image_size, batch_size, crop=crop, shuffle=shuffle, seed=seed, cache=cache,
            drop_remainder=drop_remainder, repeat=repeat, channels=channels,
            augment_flip=augment_flip, workers=workers, use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size)
    tf = require_tensorflow("kerasgan.data.image_folder (a tf.data pipeline; or pass "
                            "pipeline='pydataset')")

    check_image_folder_args(image_size, batch_size, channels)
    files = list_images(path)
    if drop_remainder and len(files) < batch_size:
        raise ValueError(
            f"{path!r} holds {len(files)} readable images, fewer than one batch "
            f"of {batch_size}; lower batch_size or pass drop_remainder=False."
        )
    ds = tf.data.Dataset.from_tensor_slices(files)

    def load(p):
        return crop_and_resize(_decode(p, channels), image_size, crop)

    if cache:
        ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE)
        ds = ds.ignore_errors(log_warning=True)
        ds = ds.cache("" if cache is True else cache)
        if shuffle:
            ds = ds.shuffle(min(len(files), 10_000), seed=seed, reshuffle_each_iteration=True)
    else:
        if shuffle:
            ds = ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
        ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE)
        ds = ds.ignore_errors(log_warning=True)
    if augment_flip:
        ds = ds.map(tf.image.random_flip_left_right, num_parallel_calls=tf.data.AUTOTUNE)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)
