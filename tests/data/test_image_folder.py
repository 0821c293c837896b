"""image_folder and tfds_images pipelines."""

import logging
import os

import numpy as np
import pytest
from PIL import Image

import kerasgan


def _save(path, array, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    im = Image.fromarray(array)
    if mode:
        im = im.convert(mode)
    im.save(path)


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    root = str(tmp_path / "imgs")
    for i in range(3):
        _save(f"{root}/a/{i}.jpg", rng.integers(0, 255, (40, 30, 3), dtype=np.uint8))
    _save(f"{root}/b/deep/x.png", np.full((20, 20, 3), 255, np.uint8))
    _save(f"{root}/gray.png", rng.integers(0, 255, (24, 24), dtype=np.uint8))
    _save(f"{root}/rgba.png", rng.integers(0, 255, (24, 24, 4), dtype=np.uint8))
    _save(f"{root}/pic.bmp", rng.integers(0, 255, (24, 24, 3), dtype=np.uint8))
    _save(f"{root}/pic.webp", rng.integers(0, 255, (24, 32, 3), dtype=np.uint8))
    with open(f"{root}/broken.jpg", "wb") as fh:
        fh.write(b"this is not a jpeg")
    with open(f"{root}/notes.txt", "w") as fh:
        fh.write("ignored")
    return root


def test_lists_recursively_and_skips_unreadable(folder, caplog):
    with caplog.at_level(logging.WARNING, logger="kerasgan"):
        files = kerasgan.data.list_images(folder)
    assert len(files) == 8
    assert not any(f.endswith(("broken.jpg", "notes.txt")) for f in files)
    assert "broken.jpg" in caplog.text and "unreadable" in caplog.text


def test_pipeline_shapes_range_and_conversion(folder):
    ds = kerasgan.data.image_folder(folder, image_size=16, batch_size=4, shuffle=False,
                                    cache=True)
    batches = [b.numpy() for b in ds]
    assert len(batches) == 2  # 8 images, drop_remainder
    x = np.concatenate(batches)
    assert x.shape == (8, 16, 16, 3) and x.dtype == np.float32
    assert x.min() >= -1.0 and x.max() <= 1.0
    # The all-white PNG maps to +1 everywhere.
    files = kerasgan.data.list_images(folder)
    white = files.index(os.path.join(folder, "b", "deep", "x.png"))
    np.testing.assert_allclose(x[white], 1.0, atol=1e-5)
    # Grayscale became 3 equal channels.
    gray = x[files.index(os.path.join(folder, "gray.png"))]
    np.testing.assert_allclose(gray[..., 0], gray[..., 1], atol=1e-6)


def test_center_crop_matches_pil(tmp_path):
    rng = np.random.default_rng(1)
    arr = rng.integers(0, 255, (30, 50, 3), dtype=np.uint8)
    _save(str(tmp_path / "f" / "im.png"), arr)
    ds = kerasgan.data.image_folder(str(tmp_path / "f"), image_size=30, batch_size=1,
                                    shuffle=False)
    x = next(iter(ds)).numpy()[0]
    np.testing.assert_allclose(x, arr[:, 10:40].astype("float32") / 127.5 - 1, atol=1e-5)
    box = kerasgan.data.image_folder(str(tmp_path / "f"), image_size=10, batch_size=1,
                                     shuffle=False, crop=(5, 7, 10, 10))
    np.testing.assert_allclose(next(iter(box)).numpy()[0],
                               arr[5:15, 7:17].astype("float32") / 127.5 - 1, atol=1e-5)


def test_empty_and_missing_folders(tmp_path):
    os.makedirs(tmp_path / "empty")
    with pytest.raises(ValueError, match="No readable images in .*empty.*jpg"):
        kerasgan.data.image_folder(str(tmp_path / "empty"), 16, 4)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        kerasgan.data.image_folder(str(tmp_path / "nowhere"), 16, 4)


def test_fewer_images_than_a_batch(folder):
    with pytest.raises(ValueError, match="fewer than one batch of 64"):
        kerasgan.data.image_folder(folder, 16, 64)
    ds = kerasgan.data.image_folder(folder, 16, 64, drop_remainder=False)
    assert next(iter(ds)).shape[0] == 8


def test_trains_a_gan_from_a_folder(folder):
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8)
    gan.compile()
    hist = gan.fit(kerasgan.data.image_folder(folder, 16, 4), epochs=1, verbose=0)
    assert np.isfinite(hist.history["d_loss"][0])


def test_tfds_images_with_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=6):
        ds = kerasgan.data.tfds_images("celeb_a", image_size=16, batch_size=3,
                                       shuffle=False)
        x = next(iter(ds)).numpy()
    assert x.shape == (3, 16, 16, 3)
    assert -1.0 <= x.min() and x.max() <= 1.0
    with tfds.testing.mock_data(num_examples=2):
        with pytest.raises(ValueError, match="no feature 'picture'"):
            kerasgan.data.tfds_images("celeb_a", 16, 2, image_key="picture")
