"""Super-resolution callbacks: `SRPreview` (comparison strips) and `SRBenchmark`
(PSNR/SSIM on a benchmark folder during `fit`)."""

from __future__ import annotations

import os

import keras
import numpy as np

from kerasgan.sr.evaluate import bicubic_upscale, evaluate_sr


def comparison_strip(lr: np.ndarray, hr: np.ndarray, outputs: dict, scale: int = 4,
                     box: tuple[int, int, int, int] | None = None, gap: int = 4) -> np.ndarray:
    """Side-by-side crops: bicubic, each of `outputs` (uint8 SR images), HR.

    Args:
        lr: uint8 LR image `(h, w, 3)`.
        hr: uint8 HR image `(scale*h, scale*w, 3)`.
        outputs: `{label: uint8 SR image}` in display order (labels are not
            drawn; keep the order in your caption).
        scale: Scale factor.
        box: HR crop `(top, left, height, width)`; default the whole image.
        gap: White pixels between panels.

    Returns:
        uint8 image: [bicubic | outputs... | HR].
    """
    panels = [bicubic_upscale(lr, scale)] + [np.asarray(o) for o in outputs.values()] + [hr]
    if box is not None:
        t, l, h, w = box
        panels = [p[t:t + h, l:l + w] for p in panels]
    height = panels[0].shape[0]
    spacer = np.full((height, gap, 3), 255, np.uint8)
    row = []
    for i, p in enumerate(panels):
        row += ([spacer] if i else []) + [p]
    return np.concatenate(row, axis=1)


class SRPreview(keras.callbacks.Callback):
    """Writes `[bicubic | model | HR]` strips of a fixed image every `every` epochs.

    Args:
        lr: uint8 LR image (e.g. a Set5 image).
        hr: Its uint8 HR image.
        directory: Output folder (`epoch_0001.png`, ...).
        every: Epoch interval.
        box: HR crop `(top, left, height, width)` to keep the files small.

    Example:
    ```python
    name, lr, hr = kerasgan.data.sr_benchmark("Set5")[1]
    model.fit(ds, callbacks=[SRPreview(lr, hr, "runs/x/preview")])
    ```
    """

    def __init__(self, lr, hr, directory: str, every: int = 1, box=None):
        super().__init__()
        self.lr = np.asarray(lr, np.uint8)
        self.hr = np.asarray(hr, np.uint8)
        self.directory = directory
        self.every = max(1, int(every))
        self.box = box

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        from kerasgan.utils.images import save_image

        scale = self.hr.shape[0] // self.lr.shape[0]
        sr = self.model.upscale(self.lr)
        strip = comparison_strip(self.lr, self.hr, {"model": sr}, scale, self.box)
        save_image(os.path.join(self.directory, f"epoch_{epoch + 1:04d}.png"), strip)

    def get_config(self) -> dict:
        return {"directory": self.directory, "every": self.every, "box": self.box}


class SRBenchmark(keras.callbacks.Callback):
    """Scores the model on an `HR/` + `LR_bicubic_x4/` folder every `every` epochs.

    Adds `{prefix}_psnr` and `{prefix}_ssim` (Y channel, the protocol of
    `kerasgan.sr.psnr` / `ssim`) to the epoch logs, so `CSVLogger`,
    `ModelCheckpoint(monitor=...)` and `EarlyStopping` listed *after* it see them.
    Epochs between evaluations log NaN, so the keys exist from the first epoch
    (`CSVLogger` fixes its columns then).

    Args:
        dataset_dir: Benchmark folder (e.g. `benchmark/Set5`).
        scale: Scale factor.
        every: Epoch interval.
        prefix: Log key prefix (default: the folder's name in lower case).

    Example:
    ```python
    model.fit(ds, callbacks=[SRBenchmark("benchmark/Set5"),
                             keras.callbacks.CSVLogger("log.csv")])
    ```
    """

    def __init__(self, dataset_dir: str, scale: int = 4, every: int = 1,
                 prefix: str | None = None):
        super().__init__()
        if not os.path.isdir(dataset_dir):
            raise FileNotFoundError(f"SRBenchmark: no benchmark folder at {dataset_dir!r}; "
                                    "expected a folder with HR/ and LR_bicubic_x4/.")
        self.dataset_dir = dataset_dir
        self.scale = int(scale)
        self.every = max(1, int(every))
        self.prefix = prefix or os.path.basename(os.path.normpath(dataset_dir)).lower()

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        if (epoch + 1) % self.every:
            logs[f"{self.prefix}_psnr"] = logs[f"{self.prefix}_ssim"] = float("nan")
            return
        result = evaluate_sr(self.model, self.dataset_dir, scale=self.scale,
                             progress=False, verbose=False)
        logs[f"{self.prefix}_psnr"] = float(result["mean"]["psnr"])
        logs[f"{self.prefix}_ssim"] = float(result["mean"]["ssim"])

    def get_config(self) -> dict:
        return {"dataset_dir": self.dataset_dir, "scale": self.scale, "every": self.every,
                "prefix": self.prefix}
