"""Super-resolution evaluation and inference helpers.

- `psnr`, `ssim`: the super-resolution protocol (uint8, BT.601 Y channel,
  `scale`-pixel border cropped; SSIM with an 11x11 Gaussian window, σ = 1.5).
- `evaluate_sr(model_or_name, dataset_dir, scale=4)`: per-image and mean
  PSNR/SSIM on an `HR/` + `LR_bicubic_x4/` benchmark folder, with PIL bicubic
  as the baseline; `format_table(results)` prints them.
- `upscale_images`: tiled inference behind the models' `upscale`.
- `SRBenchmark` callback (PSNR/SSIM logged during `fit`), `SRPreview` callback and `comparison_strip` (bicubic / model / HR crops).

Example:
```python
from kerasgan.sr import evaluate_sr, psnr
results = evaluate_sr("srresnet_x4", "benchmark/Set5")
```
"""

from kerasgan.sr.callbacks import SRBenchmark, SRPreview, comparison_strip
from kerasgan.sr.evaluate import bicubic_upscale, evaluate_sr, format_table
from kerasgan.sr.metrics import gaussian_kernel, psnr, rgb_to_y, ssim
from kerasgan.sr.tiling import upscale_images

__all__ = ["SRBenchmark", "SRPreview", "bicubic_upscale", "comparison_strip", "evaluate_sr", "format_table", "gaussian_kernel", "psnr",
           "rgb_to_y", "ssim", "upscale_images"]
