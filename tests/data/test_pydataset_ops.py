"""The NumPy image ops of the PyDataset pipelines give TensorFlow's pixels."""

import numpy as np
import pytest
from PIL import Image

from kerasgan.data.pydataset import ops

tf = pytest.importorskip("tensorflow")

# (input h, w) -> (output h, w): down by integer and fractional factors, up,
# the same size, and one axis up while the other goes down.
SIZES = [((40, 30), (16, 16)), ((20, 24), (18, 18)), ((96, 96), (24, 24)),
         ((17, 50), (64, 64)), ((33, 36), (40, 41)), ((30, 30), (30, 30)), ((9, 7), (3, 11))]


@pytest.mark.parametrize("method", ["area", "bicubic_antialias", "bicubic"])
def test_resizes_match_tf_image_resize(method):
    rng = np.random.default_rng(0)
    ours = {"area": ops.resize_area, "bicubic_antialias": ops.resize_bicubic_antialias,
            "bicubic": ops.resize_bicubic}[method]
    kwargs = {"area": dict(method="area", antialias=True),
              "bicubic_antialias": dict(method="bicubic", antialias=True),
              "bicubic": dict(method="bicubic")}[method]
    for (h, w), size in SIZES:
        image = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
        got = ours(image, size)
        want = tf.image.resize(tf.cast(image, tf.float32), size, **kwargs).numpy()
        assert got.shape == want.shape and got.dtype == np.float32
        # The same weights, summed in another order in float32: values up to
        # 255 agree to a few float32 ulps (~1e-5 each).
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-3, err_msg=f"{(h, w)} -> {size}")


def test_quantize_rounds_half_to_even_like_tf_round():
    x = np.array([0.5, 1.5, 2.5, -3.0, 254.5, 300.0, 127.49], np.float32)
    want = tf.cast(tf.clip_by_value(tf.round(x), 0, 255), tf.uint8).numpy()
    np.testing.assert_array_equal(ops.quantize(x), want)


def test_decode_matches_the_tf_data_decoder(tmp_path):
    from kerasgan.data.image_folder import _decode

    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (21, 17, 3), dtype=np.uint8)
    images = {
        "rgb.png": Image.fromarray(rgb),
        "gray.png": Image.fromarray(rgb[..., 0]),
        "rgba.png": Image.fromarray(np.dstack([rgb, rgb[..., :1]]), "RGBA"),
        "palette.png": Image.fromarray(rgb).convert("P"),
        "photo.jpg": Image.fromarray(rgb),
        "pic.webp": Image.fromarray(rgb),
    }
    for name, image in images.items():
        path = str(tmp_path / name)
        image.save(path, **({"lossless": True} if name.endswith("webp") else {}))
        for channels in (3, 1):
            ours = ops.decode_image(path, channels)
            theirs = next(iter(tf.data.Dataset.from_tensors(path).map(
                lambda p, c=channels: _decode(p, c)))).numpy()
            assert ours.shape == theirs.shape == (21, 17, channels) and ours.dtype == np.uint8
            if channels == 3 or name in ("gray.png", "photo.jpg", "pic.webp"):
                # JPEG too: the tf.data path decodes JPEG with the accurate
                # IDCT, and grayscale JPEG from the decoder's luma.
                np.testing.assert_array_equal(ours, theirs, err_msg=f"{name} {channels}")
            else:
                # PNG RGB -> luma: libpng and Pillow round their weighted
                # sums differently, by at most one level.
                assert np.abs(ours.astype(int) - theirs).max() <= 1, name


def test_crop_box_rules():
    assert ops.crop_box(30, 50, "center") == (0, 10, 30, 30)
    assert ops.crop_box(30, 50, 20) == (5, 15, 20, 20)
    assert ops.crop_box(30, 50, 64) == (0, 10, 30, 30)  # clipped to the image
    assert ops.crop_box(30, 50, (5, 7, 10, 12)) == (5, 7, 10, 12)
    assert ops.crop_box(30, 50, (25, 45, 10, 10)) == (25, 45, 5, 5)  # as slicing clips
    assert ops.crop_box(30, 50, None) == (0, 0, 30, 50)
    with pytest.raises(ValueError, match="crop must be .*received 'middle'"):
        ops.crop_box(30, 50, "middle")


def test_to_unit_range():
    x = ops.to_unit_range(np.array([0, 127, 255], np.uint8))
    assert x.dtype == np.float32
    np.testing.assert_allclose(x, [-1.0, 127 / 127.5 - 1, 1.0], atol=1e-7)
