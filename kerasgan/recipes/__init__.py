"""What the training recipes (`zoo/*/train.py`, `examples/train_*.py`) share.

A recipe states what is particular to its model -- networks, losses, data
layout, sample grids, preset metadata -- and leaves the rest to this package,
so that every recipe does it the same way:

- `recipe_parser` / `parse_args`: the common flags (`--out`, `--epochs`,
  `--batch-size`, `--seed`, `--jit`, `--precision`, `--resume`,
  `--no-preset`, `--max-steps`, `--time-limit`, `--export`, `--pipeline`,
  `--smoke`, ...)
  and the tiny settings of `--smoke`;
- `RecipeRun`: the run folder, exact resume with
  `kerasgan.callbacks.ResumableBackup`, the epoch log, timing records, the
  preset (float32 networks, optionally float16 files) and the small export
  for the GPU machine;
- `Throughput`, `TimeLimit` and `TranslationGrid` callbacks;
- `synthetic_images` / `synthetic_sr_benchmark`: data for `--smoke` runs.

It lives in the package (not beside the scripts) so that a recipe run as a
script imports it wherever kerasgan imports: an installed kerasgan, or a
checkout on `PYTHONPATH` as on the GPU machine. Nothing here imports
TensorFlow.

Example:
```python
p = recipes.recipe_parser(__doc__, out="runs/dcgan", epochs=20, batch_size=64, data="faces/")
args = recipes.parse_args(p, smoke={"epochs": 1, "batch_size": 4})
with recipes.RecipeRun("dcgan", args) as run:
    ...
```
"""

from kerasgan.recipes.arguments import (PRECISIONS, ema_decay, non_negative_int, parse_args,
                                        recipe_parser)
from kerasgan.recipes.callbacks import Throughput, TimeLimit, TranslationGrid
from kerasgan.recipes.run import RecipeRun
from kerasgan.recipes.synthetic import synthetic_images, synthetic_sr_benchmark

__all__ = ["PRECISIONS", "RecipeRun", "Throughput", "TimeLimit", "TranslationGrid", "ema_decay",
           "non_negative_int", "parse_args", "recipe_parser", "synthetic_images",
           "synthetic_sr_benchmark"]
