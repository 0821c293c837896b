"""`evaluate_sr`: PSNR/SSIM of a model on a benchmark folder, with bicubic alongside."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from kerasgan.sr.metrics import psnr, ssim


def bicubic_upscale(lr: np.ndarray, scale: int = 4) -> np.ndarray:
    """PIL bicubic upsampling of a uint8 image (the usual baseline).

    Note: PIL's bicubic is not MATLAB's `imresize`, so bicubic numbers differ
    slightly (typically by under 0.1 dB) from those printed in papers.
    """
    from PIL import Image

    lr = np.asarray(lr, dtype=np.uint8)
    h, w = lr.shape[:2]
    image = Image.fromarray(lr[..., 0] if lr.ndim == 3 and lr.shape[-1] == 1 else lr)
    out = np.asarray(image.resize((w * scale, h * scale), Image.BICUBIC), dtype=np.uint8)
    return out[..., None] if out.ndim == 2 and lr.ndim == 3 else out


def _resolve_model(model_or_name):
    if model_or_name is None:
        return None, "bicubic only"
    if isinstance(model_or_name, str):
        if model_or_name.endswith(".keras") and os.path.isfile(model_or_name):
            import keras

            model = keras.saving.load_model(model_or_name, compile=False)
        else:
            from kerasgan import zoo

            model = zoo.load(model_or_name)
        name = os.path.basename(model_or_name.rstrip("/"))
    else:
        model = model_or_name
        name = getattr(model, "name", type(model).__name__)
    if not callable(getattr(model, "upscale", None)):
        raise TypeError(f"{type(model).__name__} has no upscale() method; evaluate_sr needs a "
                        "super-resolution model (e.g. SRResNet or SRGAN).")
    return model, name


def evaluate_sr(model_or_name, dataset_dir: str, scale: int = 4,
                crop_border: int | None = None, y_channel: bool = True,
                tile: int | str | None = "auto", progress: bool = True,
                verbose: bool = True, self_ensemble: bool = False) -> dict[str, Any]:
    """Evaluates a super-resolution model on an `HR/` + `LR_bicubic_x4/` folder.

    For each image: the model's output on the given LR image and PIL bicubic
    upsampling of the same LR image, both scored against HR with `psnr` and
    `ssim` (Y channel, `crop_border` = `scale` pixels cut from each border).

    Args:
        model_or_name: A model with `upscale` (`SRResNet`, `SRGAN`, ...), a zoo
            preset name or folder, a `.keras` file, or None (bicubic only).
        dataset_dir: Benchmark folder (see `kerasgan.data.sr_benchmark`).
        scale: Scale factor.
        crop_border: Border cut before scoring (default: `scale`).
        y_channel: Score the Y channel (the protocol) or RGB.
        tile: Passed to `upscale` (bounded memory on large images).
        progress: Show a tqdm progress bar.
        verbose: Print `format_table(results)`.
        self_ensemble: Score the model's 8-way flip/rotation self-ensemble
            (`upscale(..., self_ensemble=True)`) instead of its plain output.

    Returns:
        A dict: `dataset`, `model`, `scale`, `crop_border`, `y_channel`,
        `images` (a list of dicts with `name`, `hr_shape`, `psnr`, `ssim`,
        `bicubic_psnr`, `bicubic_ssim`) and `mean` (means of the four scores).

    Example:
    ```python
    from kerasgan.sr import evaluate_sr
    results = evaluate_sr("srresnet_x4", "benchmark/Set5")
    results["mean"]["psnr"]
    ```
    """
    from kerasgan.data.super_resolution import sr_benchmark

    crop_border = scale if crop_border is None else int(crop_border)
    model, model_name = _resolve_model(model_or_name)
    pairs = sr_benchmark(dataset_dir, scale)
    iterator = pairs
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(pairs, desc=f"evaluate {os.path.basename(dataset_dir.rstrip('/'))}",
                        unit="img")
    rows = []
    for name, lr, hr in iterator:
        bic = bicubic_upscale(lr, scale)
        row = {"name": name, "hr_shape": list(hr.shape),
               "bicubic_psnr": psnr(bic, hr, crop_border, y_channel),
               "bicubic_ssim": ssim(bic, hr, crop_border, y_channel)}
        if model is not None:
            extra = {"self_ensemble": True} if self_ensemble else {}
            sr = np.asarray(model.upscale(lr, tile=tile, **extra))
            if sr.shape != hr.shape:
                raise ValueError(f"{model_name} returned {sr.shape} for {name}; expected "
                                 f"{hr.shape}.")
            row["psnr"] = psnr(sr, hr, crop_border, y_channel)
            row["ssim"] = ssim(sr, hr, crop_border, y_channel)
        rows.append(row)
    keys = ["bicubic_psnr", "bicubic_ssim"] + (["psnr", "ssim"] if model is not None else [])
    mean = {k: float(np.mean([r[k] for r in rows])) for k in keys}
    results = {
        "dataset": os.path.basename(os.path.abspath(dataset_dir)),
        "dataset_dir": dataset_dir,
        "model": model_name + (" (x8 self-ensemble)" if self_ensemble else ""),
        "scale": scale,
        "self_ensemble": bool(self_ensemble),
        "crop_border": crop_border,
        "y_channel": y_channel,
        "images": rows,
        "mean": mean,
    }
    if verbose:
        print(format_table(results))
    return results


def _fmt(value, digits):
    if value is None:
        return "-"
    if math.isinf(value):
        return "inf"
    return f"{value:.{digits}f}"


def format_table(results: dict[str, Any]) -> str:
    """Formats `evaluate_sr` results as a plain-text table.

    Args:
        results: What `evaluate_sr` returns.

    Returns:
        The table as a string: one row per image and a mean row; PSNR in dB
        (2 decimals), SSIM with 4 decimals.

    Example:
    ```python
    print(format_table(evaluate_sr(model, "benchmark/Set14")))
    ```
    """
    has_model = "psnr" in results["mean"]
    channel = "Y" if results.get("y_channel", True) else "RGB"
    head = [f"{results['dataset']} x{results['scale']}  (PSNR/SSIM on {channel}, "
            f"{results['crop_border']}-px border cropped)  model: {results['model']}"]
    names = [r["name"] for r in results["images"]] + ["mean"]
    width = max(len(n) for n in names + ["image"])
    cols = ["Bicubic PSNR", "Bicubic SSIM"] + (["Model PSNR", "Model SSIM"] if has_model else [])
    header = f"{'image':<{width}}  " + "  ".join(f"{c:>12}" for c in cols)
    lines = head + [header, "-" * len(header)]

    def row(name, r):
        values = [_fmt(r["bicubic_psnr"], 2), _fmt(r["bicubic_ssim"], 4)]
        if has_model:
            values += [_fmt(r["psnr"], 2), _fmt(r["ssim"], 4)]
        return f"{name:<{width}}  " + "  ".join(f"{v:>12}" for v in values)

    for r in results["images"]:
        lines.append(row(r["name"], r))
    lines.append("-" * len(header))
    lines.append(row("mean", results["mean"]))
    return "\n".join(lines)
