"""PSNR/SSIM by the super-resolution protocol, and the benchmark evaluation."""

import math
import os

import numpy as np
import pytest
from PIL import Image

from kerasgan.sr import evaluate_sr, format_table, psnr, rgb_to_y, ssim
from kerasgan.sr.evaluate import bicubic_upscale

skimage = pytest.importorskip("skimage")
from skimage.color import rgb2ycbcr  # noqa: E402
from skimage.metrics import peak_signal_noise_ratio, structural_similarity  # noqa: E402

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "sr")


def _pair(rng, shape=(40, 52, 3), noise=12.0):
    hr = rng.integers(0, 256, shape).astype(np.uint8)
    # Smooth it a little so SSIM is not trivially ~0.
    hr = ((hr.astype(float) + np.roll(hr, 1, 0) + np.roll(hr, 1, 1)) / 3).astype(np.uint8)
    sr = np.clip(hr + rng.normal(0, noise, shape), 0, 255).round().astype(np.uint8)
    return sr, hr


def _sk_y(image):
    return rgb2ycbcr(image)[..., 0]  # MATLAB rgb2ycbcr Y, float64 on [16, 235]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("border", [0, 4])
def test_matches_scikit_image_on_y_channel(seed, border):
    sr, hr = _pair(np.random.default_rng(seed), noise=4.0 + 8 * seed)
    ys, yh = _sk_y(sr), _sk_y(hr)
    if border:
        ys, yh = ys[border:-border, border:-border], yh[border:-border, border:-border]
    expected_psnr = peak_signal_noise_ratio(yh, ys, data_range=255)
    expected_ssim = structural_similarity(yh, ys, gaussian_weights=True, sigma=1.5,
                                          use_sample_covariance=False, data_range=255)
    assert psnr(sr, hr, crop_border=border) == pytest.approx(expected_psnr, abs=1e-9)
    assert ssim(sr, hr, crop_border=border) == pytest.approx(expected_ssim, abs=1e-9)


def test_rgb_ssim_is_channel_mean_and_matches_scikit_image():
    sr, hr = _pair(np.random.default_rng(5))
    expected = structural_similarity(hr, sr, gaussian_weights=True, sigma=1.5,
                                     use_sample_covariance=False, data_range=255,
                                     channel_axis=-1)
    assert ssim(sr, hr, crop_border=0, y_channel=False) == pytest.approx(expected, abs=1e-9)
    assert psnr(sr, hr, 0, y_channel=False) == pytest.approx(
        peak_signal_noise_ratio(hr, sr, data_range=255), abs=1e-9)


def test_known_values():
    rng = np.random.default_rng(0)
    hr = rng.integers(20, 200, (24, 24, 3)).astype(np.uint8)
    assert psnr(hr, hr) == math.inf
    assert ssim(hr, hr) == pytest.approx(1.0)
    for d in (1, 5, 17):
        # A constant offset d in every RGB channel moves Y by d * 219/255.
        assert psnr(hr + d, hr, y_channel=False) == pytest.approx(20 * math.log10(255 / d))
        assert psnr(hr + d, hr) == pytest.approx(20 * math.log10(255 / (d * 219 / 255)))
    gray = hr[..., 0]  # single channel: used as it is
    assert psnr(gray + 3, gray) == pytest.approx(20 * math.log10(255 / 3))
    assert rgb_to_y(np.array([[0, 0, 0], [255, 255, 255]])) == pytest.approx([16, 235])


def test_floats_are_rounded_to_uint8_and_borders_cropped():
    rng = np.random.default_rng(1)
    hr = rng.integers(0, 256, (20, 20, 3)).astype(np.uint8)
    assert psnr(hr.astype(float) + 0.4, hr) == math.inf
    sr = hr.copy()
    sr[:4] = 0  # only the border differs
    assert psnr(sr, hr, crop_border=4) == math.inf
    assert psnr(sr, hr, crop_border=3) < 40
    with pytest.raises(ValueError, match="same shape"):
        psnr(hr, hr[:10])
    with pytest.raises(ValueError, match="leaves nothing"):
        psnr(hr, hr, crop_border=10)
    with pytest.raises(ValueError, match="smaller than the 11x11"):
        ssim(hr[:16, :16], hr[:16, :16], crop_border=4)


def _write_benchmark(root, names, lr_name=lambda n: n, scale=4, size=(12, 10)):
    rng = np.random.default_rng(0)
    os.makedirs(os.path.join(root, "HR"))
    os.makedirs(os.path.join(root, f"LR_bicubic_x{scale}"))
    for name in names:
        hr = rng.integers(0, 256, (size[0] * scale, size[1] * scale, 3)).astype(np.uint8)
        hr = np.asarray(Image.fromarray(hr).resize((size[1] * scale, size[0] * scale)))
        lr = np.asarray(Image.fromarray(hr).resize((size[1], size[0]), Image.BICUBIC))
        Image.fromarray(hr).save(os.path.join(root, "HR", f"{name}.png"))
        Image.fromarray(lr).save(os.path.join(root, f"LR_bicubic_x{scale}", f"{lr_name(name)}.png"))


class _Identityish:
    """A stand-in model: bicubic upscaling, so its scores equal the baseline."""

    name = "bicubic_model"

    def upscale(self, lr, tile=None):
        return bicubic_upscale(lr, 4)


def test_evaluate_sr_and_format_table(tmp_path, capsys):
    root = str(tmp_path / "Tiny")
    _write_benchmark(root, ["baby", "bird"], lr_name=lambda n: f"{n}x4")
    results = evaluate_sr(_Identityish(), root, scale=4, progress=False)
    assert [r["name"] for r in results["images"]] == ["baby.png", "bird.png"]
    for r in results["images"]:
        assert r["psnr"] == pytest.approx(r["bicubic_psnr"])
        assert r["ssim"] == pytest.approx(r["bicubic_ssim"])
    assert results["mean"]["psnr"] == pytest.approx(
        np.mean([r["psnr"] for r in results["images"]]))
    table = capsys.readouterr().out
    assert "Bicubic PSNR" in table and "Model SSIM" in table and "mean" in table
    assert format_table(results) in table
    with pytest.raises(TypeError, match="no upscale"):
        evaluate_sr(object(), root, progress=False)


@pytest.mark.skipif(not os.path.isdir(os.path.join(SHARED, "benchmark", "Set5")),
                    reason="shared Set5 not available")
def test_set5_bicubic_baseline_matches_published_value():
    # Published bicubic x4 on Set5 (Y, 4-px border): 28.43 dB (Ledig et al. 2017, Table 2).
    results = evaluate_sr(None, os.path.join(SHARED, "benchmark", "Set5"), progress=False,
                          verbose=False)
    assert results["mean"]["bicubic_psnr"] == pytest.approx(28.43, abs=0.05)
    assert 0.80 < results["mean"]["bicubic_ssim"] < 0.83


def test_evaluate_sr_runs_a_real_model_and_strip(tmp_path):
    from kerasgan.data.super_resolution import sr_benchmark
    from kerasgan.models.srgan import SRResNet
    from kerasgan.sr import comparison_strip

    root = str(tmp_path / "Tiny")
    _write_benchmark(root, ["a"], size=(7, 9))
    model = SRResNet(num_blocks=1, width=8)
    results = evaluate_sr(model, root, progress=False, verbose=False)
    row = results["images"][0]
    assert np.isfinite(row["psnr"]) and -1 <= row["ssim"] <= 1
    assert results["model"] == "srresnet"
    _, lr, hr = sr_benchmark(root)[0]
    strip = comparison_strip(lr, hr, {"model": model.upscale(lr)}, 4, box=(0, 0, 20, 24))
    assert strip.shape == (20, 3 * 24 + 2 * 4, 3) and strip.dtype == np.uint8


def test_sr_benchmark_callback_logs_scores_that_csv_logger_sees(tmp_path):
    import csv

    import keras

    from kerasgan.models.srgan import SRResNet
    from kerasgan.sr import SRBenchmark

    root = str(tmp_path / "Tiny")
    _write_benchmark(root, ["a", "b"], size=(6, 8))
    model = SRResNet(num_blocks=1, width=8)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mae")
    rng = np.random.default_rng(1)
    lr = rng.uniform(-1, 1, (4, 6, 6, 3)).astype("float32")
    hr = rng.uniform(-1, 1, (4, 24, 24, 3)).astype("float32")
    log = str(tmp_path / "log.csv")
    model.fit(lr, hr, batch_size=2, epochs=2, verbose=0,
              callbacks=[SRBenchmark(root, every=2), keras.callbacks.CSVLogger(log)])
    rows = list(csv.DictReader(open(log)))
    assert np.isnan(float(rows[0]["tiny_psnr"])) and np.isnan(float(rows[0]["tiny_ssim"]))
    expected = evaluate_sr(model, root, progress=False, verbose=False)["mean"]
    assert float(rows[1]["tiny_psnr"]) == pytest.approx(expected["psnr"], rel=1e-6)
    assert float(rows[1]["tiny_ssim"]) == pytest.approx(expected["ssim"], rel=1e-6)
    with pytest.raises(FileNotFoundError, match="HR/ and LR_bicubic_x4"):
        SRBenchmark(str(tmp_path / "missing"))
