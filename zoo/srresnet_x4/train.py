"""Recipe for the zoo's `srresnet_x4` weights: SRResNet 4x (Ledig et al. 2017, stage 1).

Uses only kerasgan's public API. Trains the SRResNet generator with the MSE
pixel loss (Adam 1e-4, beta_1 = 0.9, as in the paper) on random 96x96 HR
patches of `../shared/data/sr/train` (T91 + BSD200, 291 images), LR made on
the fly by antialiased bicubic downsampling, flips and 90° rotations.
Evaluates on `../shared/data/sr/benchmark/{Set5,Set14}` (PSNR/SSIM on Y,
4-px border, bicubic alongside) and exports a zoo preset (`task: upscale`).

Budget it first: `--max-steps 20` runs 20 steps, prints the throughput
(steps/s, patches/s, the estimate for the planned run) and exits after
exporting. Interrupted runs continue where they stopped when started again with
the same `--out` (weights, optimizer state, epoch counter backed up every
epoch by `keras.callbacks.BackupAndRestore`); `--resume` makes that explicit.

Example:
    python zoo/srresnet_x4/train.py --max-steps 20 --out runs/probe   # throughput
    python zoo/srresnet_x4/train.py --out runs/srresnet_x4 --epochs 100 --steps-per-epoch 500
"""

import argparse
import json
import os
import time

import keras

from kerasgan import zoo
from kerasgan.data.super_resolution import sr_benchmark, super_resolution
from kerasgan.models.srgan import SRResNet
from kerasgan.sr import SRBenchmark, SRPreview, evaluate_sr

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED_SR = os.path.join(HERE, "..", "..", "..", "shared", "data", "sr")
DEFAULT_DATA = os.path.join(SHARED_SR, "train")
DEFAULT_BENCH = os.path.join(SHARED_SR, "benchmark")
PAPER = {"Set5": (32.05, 0.9019), "Set14": (28.49, 0.8184)}  # Ledig et al. 2017, Table 2


class Throughput(keras.callbacks.Callback):
    """Times training steps after the first (which includes tracing)."""

    def __init__(self):
        super().__init__()
        self.times = []

    def on_train_batch_begin(self, batch, logs=None):
        self._t = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter() - self._t)

    def summary(self, batch_size):
        if not self.times:  # e.g. a resumed run that had nothing left to train
            return {"steps": 0, "first_step_s": None, "sec_per_step": 0.0,
                    "steps_per_s": None, "patches_per_s": None}
        steady = self.times[1:] or self.times
        sec = sum(steady) / max(1, len(steady))
        return {"steps": len(self.times), "first_step_s": self.times[0] if self.times else None,
                "sec_per_step": sec, "steps_per_s": 1 / sec, "patches_per_s": batch_size / sec}


def benchmark_metrics(model, bench_dir, recipe):
    metrics = []
    for name in ("Set5", "Set14"):
        path = os.path.join(bench_dir, name)
        if not os.path.isdir(path):
            continue
        r = evaluate_sr(model, path, scale=4, progress=False)
        for key, label in (("psnr", "PSNR-Y"), ("ssim", "SSIM-Y")):
            metrics.append({"name": label, "value": round(r["mean"][key], 4), "dataset": name,
                            "bicubic": round(r["mean"][f"bicubic_{key}"], 4),
                            "paper": PAPER[name][0 if key == "psnr" else 1],
                            "paper_source": "Ledig et al. 2017, Table 2 (SRResNet, ImageNet)",
                            "command": f"{recipe} (evaluate_sr on {name})"})
    return metrics


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=DEFAULT_DATA, help="folder of HR training images")
    p.add_argument("--bench", default=DEFAULT_BENCH, help="folder with Set5/ and Set14/")
    p.add_argument("--out", default="runs/srresnet_x4")
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--steps-per-epoch", type=int, default=500)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--hr-patch", type=int, default=96)
    p.add_argument("--num-blocks", type=int, default=16)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--no-batch-norm", action="store_true", help="residual blocks without BN")
    p.add_argument("--output-activation", default="tanh", choices=["tanh", "linear"])
    p.add_argument("--loss", default="mse", choices=["mse", "mae"])
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--lr-decay-epochs", type=int, default=None,
                   help="halve the learning rate every N epochs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jit", action="store_true", help="XLA-compile the train step")
    p.add_argument("--max-steps", type=int, default=None,
                   help="throughput probe: run this many steps, report, export, exit")
    p.add_argument("--no-eval", action="store_true", help="skip the Set5/Set14 evaluation")
    p.add_argument("--resume", action="store_true", help="require an interrupted run in --out")
    p.add_argument("--eval-every", type=int, default=1,
                   help="log Set5 PSNR/SSIM every N epochs (0: never)")
    args = p.parse_args()

    backup = os.path.join(args.out, "backup")
    if args.resume and not os.path.isdir(backup):
        raise SystemExit(f"--resume: no interrupted run to continue in {backup!r}.")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "recipe.json"), "w") as f:
        json.dump(vars(args), f, indent=2)
    keras.utils.set_random_seed(args.seed)

    ds = super_resolution(args.data, scale=4, hr_patch=args.hr_patch,
                          batch_size=args.batch_size, seed=args.seed, cache=True, repeat=True)
    model = SRResNet(scale=4, num_blocks=args.num_blocks, width=args.width,
                     batch_norm=not args.no_batch_norm,
                     output_activation=args.output_activation)
    lr = args.lr
    if args.lr_decay_epochs:
        lr = keras.optimizers.schedules.ExponentialDecay(
            args.lr, args.lr_decay_epochs * args.steps_per_epoch, 0.5, staircase=True)
    model.compile(optimizer=keras.optimizers.Adam(lr, beta_1=0.9), loss=args.loss,
                  jit_compile=args.jit)

    epochs, steps = args.epochs, args.steps_per_epoch
    if args.max_steps:
        epochs, steps = 1, args.max_steps
    callbacks = [keras.callbacks.CSVLogger(os.path.join(args.out, "log.csv"), append=True)]
    if not args.max_steps:
        callbacks.insert(0, keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False))
    set5 = os.path.join(args.bench, "Set5")
    if os.path.isdir(set5) and args.eval_every and not args.max_steps:
        callbacks.insert(0, SRBenchmark(set5, scale=4, every=args.eval_every))
    if os.path.isdir(set5):
        _, lr_img, hr_img = sr_benchmark(set5)[1]
        callbacks.append(SRPreview(lr_img, hr_img, os.path.join(args.out, "preview"),
                                   every=max(1, epochs // 20)))
    timer = Throughput()
    start = time.time()
    model.fit(ds, epochs=epochs, steps_per_epoch=steps, verbose=2,
              callbacks=callbacks + [timer])
    elapsed = time.time() - start
    speed = timer.summary(args.batch_size)
    speed["planned_steps"] = args.epochs * args.steps_per_epoch
    speed["planned_hours"] = speed["planned_steps"] * speed["sec_per_step"] / 3600
    print("throughput:", json.dumps(speed))
    with open(os.path.join(args.out, "timing.json"), "a") as f:
        f.write(json.dumps({"seconds_this_session": elapsed, **speed}) + "\n")

    model.save(os.path.join(args.out, "srresnet_x4.keras"))
    metrics = [] if args.no_eval else benchmark_metrics(model, args.bench,
                                                        "zoo/srresnet_x4/train.py")
    zoo.save_preset(model, os.path.join(args.out, "preset", "srresnet_x4"), overwrite=True,
                    weights={"generator": model.generator}, metadata={
                        "task": "upscale",
                        "description": "SRResNet 4x super-resolution (PSNR-oriented, MSE)",
                        "architecture": f"SRResNet-{args.num_blocks}x{args.width} "
                                        f"(Ledig et al. 2017), BN={not args.no_batch_norm}",
                        "training_data": {"name": "T91 + BSD200 (291 images)",
                                          "license": "research use"},
                        "training": {"steps": int(model.optimizer.iterations.numpy()),
                                     "batch_size": args.batch_size, "hr_patch": args.hr_patch,
                                     "seconds_last_session": round(elapsed, 1)},
                        "metrics": metrics,
                        "recipe": "zoo/srresnet_x4/train.py",
                    })
    print("exported", os.path.join(args.out, "preset", "srresnet_x4"))


if __name__ == "__main__":
    main()
