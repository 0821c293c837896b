"""Face detection rate with OpenCV's cascades (kerasgan.photos.find_face)."""

import os

import numpy as np
import pytest

from kerasgan import metrics
from kerasgan.photos import detect


def test_counts_detections_on_upsampled_images(monkeypatch):
    seen = []

    def fake_find_face(image, kind, min_size=None):
        seen.append((image.shape, image.dtype, kind, min_size))
        return (0, 0, 5, 5) if image.mean() > 100 else None  # "faces" are bright

    monkeypatch.setattr(detect, "detector_unavailable_reason", lambda kind: None)
    monkeypatch.setattr(detect, "find_face", fake_find_face)
    images = np.zeros((5, 32, 32, 3), "uint8")
    images[[1, 3]] = 200
    r = metrics.face_detection_rate(images, size=96, batch_size=2)
    assert r.value == pytest.approx(0.4)
    assert r.name == "FaceRate" and r.num_generated == 5
    assert r.extractor == "OpenCV-haarcascade_frontalface_default@96px,min0.5"
    assert seen[0] == ((96, 96, 3), np.uint8, "human", 48) and len(seen) == 5
    found = metrics.face_detected(images.astype("float32") / 127.5 - 1.0, size=None, min_face=0)
    np.testing.assert_array_equal(found, [False, True, False, True, False])
    assert seen[-1] == ((32, 32, 3), np.uint8, "human", None)  # as it is, default minimum
    with pytest.raises(ValueError, match="size must be an integer >= 24"):
        metrics.face_detection_rate(images, size=16)
    with pytest.raises(ValueError, match="min_face must be a fraction"):
        metrics.face_detection_rate(images, min_face=2)


def test_missing_detector_names_the_fix(monkeypatch):
    monkeypatch.setattr(detect, "_cv2", lambda: None)
    with pytest.raises(ImportError, match=r"kerasgan\[faces\]"):
        metrics.face_detection_rate(np.zeros((2, 32, 32, 3), "uint8"))
    with pytest.raises(ImportError, match="no dog-face detector"):
        metrics.face_detection_rate(np.zeros((2, 32, 32, 3), "uint8"), kind="dog")


needs_opencv = pytest.mark.skipif(detect.detector_unavailable_reason("human") is not None,
                                  reason="OpenCV with the frontal-face cascade is not installed")
CELEBA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "faces",
                      "celeba-10k")


@needs_opencv
def test_noise_has_no_faces():
    noise = np.random.default_rng(0).integers(0, 256, (4, 64, 64, 3), dtype=np.uint8)
    assert metrics.face_detection_rate(noise).value < 0.5 / 4  # none of the 4
    assert detect.find_face(np.zeros((10, 10), "uint8")) is None  # too small to search


@needs_opencv
@pytest.mark.skipif(not os.path.isdir(CELEBA), reason="shared CelebA data not present")
def test_finds_most_real_celeba_faces():
    from PIL import Image

    names = sorted(os.listdir(CELEBA))[:20]
    # CelebA's 128x128 face box at half scale, as zoo/dcgan_faces uses it.
    crops = np.stack([np.asarray(Image.open(os.path.join(CELEBA, n)).convert("RGB"))[25:89, 12:76]
                      for n in names])
    rate = metrics.face_detection_rate(crops).value
    # 0.955 of 1,000 crops are found (zoo/dcgan_faces/evaluate.py, ids
    # 9001-10000); the share of 20 has binomial sd ~0.05.
    assert rate >= 0.7, rate
