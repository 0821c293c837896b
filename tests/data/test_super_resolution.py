"""Super-resolution data: on-the-fly (LR, HR) pairs, tfds DIV2K, benchmark folders."""

import logging
import os

import numpy as np
import pytest
from PIL import Image

from kerasgan.data.super_resolution import (make_pair, sr_benchmark, super_resolution,
                                            super_resolution_tfds)


def _write_images(folder, sizes, seed=0):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i, (h, w) in enumerate(sizes):
        base = np.linspace(0, 255, w)[None, :, None] * np.ones((h, 1, 3))
        image = np.clip(base + rng.normal(0, 20, (h, w, 3)), 0, 255).astype(np.uint8)
        mode = "L" if i == 1 else "RGB"  # a grayscale one too
        Image.fromarray(image if mode == "RGB" else image[..., 0]).save(
            os.path.join(folder, f"im{i}.png"))


def test_pairs_shapes_ranges_and_consistency(tmp_path):
    folder = str(tmp_path / "hr")
    _write_images(folder, [(40, 50), (33, 36), (64, 32)])
    ds = super_resolution(folder, scale=4, hr_patch=32, batch_size=3, seed=0)
    lr, hr = next(iter(ds))
    assert lr.shape == (3, 8, 8, 3) and hr.shape == (3, 32, 32, 3)
    assert lr.dtype.name == "float32" and hr.dtype.name == "float32"
    for t in (lr, hr):
        assert -1.0 <= float(np.min(t)) and float(np.max(t)) <= 1.0
    # LR is the antialiased bicubic downsampling of HR, quantised to uint8 levels.
    lr_u = (lr.numpy() + 1) * 127.5
    np.testing.assert_allclose(lr_u, np.round(lr_u), atol=1e-3)
    import tensorflow as tf
    expected = tf.image.resize((hr + 1) * 127.5, (8, 8), method="bicubic", antialias=True)
    np.testing.assert_allclose(lr_u, np.clip(np.round(expected), 0, 255), atol=1e-3)


def test_augmentation_covers_flips_and_rotations():
    import tensorflow as tf

    image = tf.constant(np.arange(16 * 16 * 3).reshape(16, 16, 3) % 256, tf.uint8)
    seen = set()
    for _ in range(150):
        _, hr = make_pair(image, 4, 16, augment=True)
        seen.add(hr.numpy().tobytes())
    assert len(seen) == 8  # the eight flips/rotations of a full-size crop
    _, hr = make_pair(image, 4, 16, augment=False)
    np.testing.assert_allclose((hr.numpy() + 1) * 127.5, image.numpy(), atol=1e-3)


def test_small_images_skipped_or_upsized(tmp_path, caplog):
    folder = str(tmp_path / "hr")
    _write_images(folder, [(40, 40), (20, 50), (40, 48)])
    with caplog.at_level(logging.WARNING, logger="kerasgan"):
        ds = super_resolution(folder, scale=4, hr_patch=32, batch_size=1, shuffle=False,
                              cache=False)
    assert "Skipping 1 image(s) smaller than hr_patch=32" in caplog.text
    assert "im1.png (20x50)" in caplog.text
    assert len(list(ds)) == 2
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="kerasgan"):
        ds = super_resolution(folder, scale=4, hr_patch=32, batch_size=3, small="upsize")
    assert "Upsizing" in caplog.text
    lr, hr = next(iter(ds))
    assert hr.shape == (3, 32, 32, 3)
    with pytest.raises(ValueError, match="No image .* is at least 64x64"):
        super_resolution(folder, hr_patch=64, batch_size=1)
    with pytest.raises(ValueError, match="multiple of scale"):
        super_resolution(folder, scale=4, hr_patch=30)


def test_repeat_and_patches_per_image(tmp_path):
    folder = str(tmp_path / "hr")
    _write_images(folder, [(40, 40), (40, 40)])
    ds = super_resolution(folder, scale=2, hr_patch=16, batch_size=4, patches_per_image=3)
    assert sum(1 for _ in ds) == 1  # 6 patches -> one full batch of 4
    ds = super_resolution(folder, scale=2, hr_patch=16, batch_size=4, repeat=True)
    lr, _ = next(iter(ds.take(5)))
    assert lr.shape == (4, 8, 8, 3)


def test_tfds_div2k_with_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=4):
        ds = super_resolution_tfds("div2k/bicubic_x4", scale=4, hr_patch=16, batch_size=2,
                                   download=False)
        lr, hr = next(iter(ds))
        assert lr.shape == (2, 4, 4, 3) and hr.shape == (2, 16, 16, 3)
        assert float(np.min(hr)) >= -1 and float(np.max(hr)) <= 1


def test_sr_benchmark_matches_by_name(tmp_path):
    root = tmp_path / "Set2"
    (root / "HR").mkdir(parents=True)
    (root / "LR_bicubic_x4").mkdir()
    rng = np.random.default_rng(0)
    for name, (h, w) in {"baby": (10, 9), "bird": (7, 12)}.items():
        hr = rng.integers(0, 256, (4 * h + 2, 4 * w, 3)).astype(np.uint8)  # not mod-4 cropped
        Image.fromarray(hr).save(root / "HR" / f"{name}.png")
        Image.fromarray(hr[::4, ::4][:h, :w, 0]).save(root / "LR_bicubic_x4" / f"{name}x4.png")
    pairs = sr_benchmark(str(root), scale=4)
    assert [p.name for p in pairs] == ["baby.png", "bird.png"]
    for p in pairs:
        assert p.lr.dtype == np.uint8 and p.lr.shape[-1] == 3  # grayscale LR loaded as RGB
        assert p.hr.shape == (4 * p.lr.shape[0], 4 * p.lr.shape[1], 3)
    os.remove(root / "LR_bicubic_x4" / "birdx4.png")
    with pytest.raises(ValueError, match=r"HR without LR: \['bird'\]"):
        sr_benchmark(str(root))
    with pytest.raises(FileNotFoundError, match="LR_bicubic_x3"):
        sr_benchmark(str(root), scale=3)


SET5 = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "sr",
                    "benchmark", "Set5")


@pytest.mark.skipif(not os.path.isdir(SET5), reason="shared Set5 not available")
def test_sr_benchmark_reads_shared_set5():
    pairs = sr_benchmark(SET5, scale=4)
    assert len(pairs) == 5 and pairs[0].name == "img_001.png"
    assert pairs[0].hr.shape == (512, 512, 3) and pairs[0].lr.shape == (128, 128, 3)
