"""`SRPreview`: a callback that writes bicubic / model / HR comparison strips."""

from __future__ import annotations

import os

import keras
import numpy as np

from kerasgan.sr.evaluate import bicubic_upscale


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
