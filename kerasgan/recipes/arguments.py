"""The command-line flags every training recipe shares, and `--smoke` settings."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Mapping, Sequence

from kerasgan.core.ema import check_ema_decay
from kerasgan.data.pipeline import PIPELINES

#: Values of `--precision`: Keras dtype policies while training.
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
_NO_DATA = object()


def non_negative_int(text: str) -> int:
    """An argparse `type=` for counts that may be 0: a clear error below 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more; received {value}")
    return value


def ema_decay(text: str) -> float:
    """An argparse `type=` for `--ema`: 0 (no EMA) or a decay in (0, 1)."""
    value = float(text)
    try:
        check_ema_decay(value or None)  # the models' own rule
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be 0 (no EMA) or a decay between 0 and 1, e.g. 0.999; received {text}"
        ) from None
    return value


def recipe_parser(description: str, *, out: str, epochs: int | None, batch_size: int,
                  data: Any = _NO_DATA, data_help: str = "folder of training images",
                  epochs_help: str = "total epochs",
                  max_steps_help: str = "stop each epoch after this many batches "
                                        "(throughput probes)") -> argparse.ArgumentParser:
    """An `ArgumentParser` holding the flags every recipe shares.

    Shared flags: `--data` (when `data` is given), `--out`, `--epochs`,
    `--batch-size`, `--seed`, `--jit`, `--precision`, `--max-steps`,
    `--time-limit`, `--resume`, `--checkpoint-every`, `--average-last`, `--no-preset`,
    `--preset-dtype`,
    `--export`, `--pipeline`, `--workers`, `--smoke`. Add the recipe's own
    flags to the returned parser, then call `parse_args`.

    Args:
        description: The recipe's docstring (shown raw by `--help`).
        out: Default run folder.
        epochs: Default number of epochs; None for no `--epochs` flag
            (recipes that name their epochs otherwise).
        batch_size: Default batch size.
        data: Default `--data` folder; leave unset for no `--data` flag.
        data_help: Help of `--data`.
        epochs_help: Help of `--epochs`.
        max_steps_help: Help of `--max-steps` (its meaning is the recipe's).

    Returns:
        The parser.

    Example:
    ```python
    p = recipe_parser(__doc__, out="runs/dcgan", epochs=20, batch_size=64, data="faces/")
    p.add_argument("--width", type=int, default=64)
    args = parse_args(p, smoke={"width": 8, "epochs": 1})
    ```
    """
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    if data is not _NO_DATA:
        p.add_argument("--data", default=data, help=data_help)
    p.add_argument("--out", default=out,
                   help="run folder: backup, samples, log, timing, the model and the preset")
    if epochs is not None:
        p.add_argument("--epochs", type=int, default=epochs, help=epochs_help)
    p.add_argument("--batch-size", type=int, default=batch_size)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jit", action="store_true",
                   help="XLA-compile the train step (default: Keras' choice, 'auto', which "
                        "compiles on JAX and not on TensorFlow's CPU)")
    p.add_argument("--precision", default="float32", choices=PRECISIONS,
                   help="Keras dtype policy while training (the preset is saved in float32)")
    p.add_argument("--max-steps", type=int, default=None, help=max_steps_help)
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                   help="stop training this many seconds after the start, then save, "
                        "publish and export as usual (the GPU machine ends commands at 600 s)")
    p.add_argument("--resume", action="store_true", help="require an interrupted run in --out")
    p.add_argument("--checkpoint-every", type=int, default=0, metavar="STEPS",
                   help="also back up the training state every this many steps "
                        "(default 0: at the end of each epoch only)")
    p.add_argument("--average-last", type=non_negative_int, default=0, metavar="K",
                   help="at the end, set the generator(s) to their mean weights over the K "
                        "newest checkpoints (kept: K; use with --checkpoint-every; default 0: "
                        "the last weights)")
    p.add_argument("--no-preset", action="store_true", help="do not export the preset")
    p.add_argument("--preset-dtype", default="float32", choices=("float32", "float16"),
                   help="dtype of the preset's weight files (float16 halves them)")
    p.add_argument("--export", default=None, metavar="DIR",
                   help="at the end, also copy the small results into DIR: the preset, the "
                        "last sample grid, log.csv and run.json (e.g. $OUT on the GPU machine)")
    p.add_argument("--pipeline", default="auto", choices=PIPELINES,
                   help="input pipeline: tf.data, a Keras PyDataset, or auto (tf.data when "
                        "TensorFlow is installed)")
    p.add_argument("--workers", type=int, default=None,
                   help="PyDataset worker threads (default: min(8, CPUs))")
    p.add_argument("--smoke", action="store_true",
                   help="a few steps of a tiny model on generated images, to check that "
                        "the recipe runs end to end (no data needed)")
    return p


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None,
               smoke: Mapping[str, Any] | None = None) -> argparse.Namespace:
    """Parses the flags; with `--smoke`, applies the recipe's tiny settings.

    `smoke` values replace whatever the command line says for those flags
    (sizes, epochs, steps), and `--smoke` exports the preset even with
    `--no-preset`; every other flag keeps its value. So appending `--smoke`
    to a real command checks that command end to end in about a minute.

    Args:
        parser: From `recipe_parser` (plus the recipe's flags).
        argv: The arguments (default `sys.argv[1:]`).
        smoke: `{dest: value}` of the `--smoke` run, e.g. `{"width": 8}`.

    Returns:
        The namespace.
    """
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.smoke:
        unknown = set(smoke or {}) - set(vars(args))
        if unknown:
            raise ValueError(f"smoke settings name unknown flags {sorted(unknown)}; use the "
                             "parser's dest names (e.g. 'batch_size').")
        for name, value in (smoke or {}).items():
            setattr(args, name, value)
        if hasattr(args, "no_preset"):
            args.no_preset = False
    return args
