"""`tfds_images`: image batches from a TensorFlow Datasets dataset."""

from __future__ import annotations

from kerasgan.data.transforms import crop_and_resize
from kerasgan.utils.optional import require_tensorflow, require_tfds

# CelebA's aligned images are 178x218 with the face at a fixed place; this
# 128x128 box (top, left, height, width) is centred horizontally and keeps the
# face with little background.
CELEBA_FACE_BOX = (50, 25, 128, 128)

_DEFAULT_CROPS = {"celeb_a": CELEBA_FACE_BOX}


def tfds_images(
    name: str,
    image_size: int,
    batch_size: int,
    split: str = "train",
    crop="default",
    image_key: str = "image",
    data_dir: str | None = None,
    download: bool = True,
    shuffle: bool = True,
    seed: int | None = None,
    cache: bool = False,
    drop_remainder: bool = True,
    repeat: bool = False,
):
    """A `tf.data.Dataset` of image batches from `tfds`, scaled to [-1, 1].

    Args:
        name: tfds dataset name, e.g. `"celeb_a"`, `"cifar10"`.
        image_size: Output side.
        batch_size: Global batch size.
        split: tfds split.
        crop: `"default"` (the face crop for `celeb_a`, a centre square
            otherwise), or any `crop` accepted by `kerasgan.data.image_folder`.
        image_key: Feature holding the image.
        data_dir: tfds data directory (for pre-downloaded data).
        download: Let tfds download the data if it is missing.
        shuffle, seed, cache, drop_remainder, repeat: As in `image_folder`.

    Returns:
        A `tf.data.Dataset` of float32 `(batch, image_size, image_size, 3)`.
    """
    tf = require_tensorflow("kerasgan.data.tfds_images (a tf.data pipeline)")
    tfds = require_tfds("kerasgan.data.tfds_images")

    if crop == "default":
        crop = _DEFAULT_CROPS.get(name.split("/")[0].split(":")[0], "center")
    ds = tfds.load(name, split=split, data_dir=data_dir, download=download,
                   shuffle_files=shuffle)
    spec = ds.element_spec
    if image_key not in spec:
        raise ValueError(
            f"tfds dataset {name!r} has no feature {image_key!r}; its features are "
            f"{sorted(spec)}. Pass image_key=..."
        )

    def load(example):
        image = example[image_key]
        if image.shape[-1] == 1:
            image = tf.image.grayscale_to_rgb(image)
        elif image.shape[-1] == 4:
            image = image[..., :3]
        return crop_and_resize(image, image_size, crop)

    ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)
