"""Recipe for the zoo's `srresnet_x4` weights: SRResNet 4x (Ledig et al. 2017, stage 1).

Uses only kerasgan's public API. Trains the SRResNet generator with the MSE
pixel loss (Adam 1e-4, beta_1 = 0.9, as in the paper) on random 96x96 HR
patches of `../shared/data/sr/train` (T91 + BSD200, 291 images), LR made on
the fly by antialiased bicubic downsampling, flips and 90° rotations.
Evaluates on `../shared/data/sr/benchmark/{Set5,Set14}` (PSNR/SSIM on Y,
4-px border, bicubic alongside) and exports a zoo preset (`task: upscale`)
to `<out>/preset/srresnet_x4/`.

Budget it first: `--max-steps 20` runs 20 steps, prints the throughput
(steps/s, patches/s, the estimate for the planned run) and exits after
exporting. Interrupted runs continue where they stopped when started again with
the same `--out` (weights, optimizer state, epoch counter backed up every
epoch by `kerasgan.callbacks.ResumableBackup`); `--resume` makes that explicit.
`--smoke` trains a tiny model for two one-step epochs on generated images.
Shared flags: `kerasgan.recipes`.

Example:
    python zoo/srresnet_x4/train.py --max-steps 20 --out runs/probe   # throughput
    python zoo/srresnet_x4/train.py --out runs/srresnet_x4 --epochs 100 --steps-per-epoch 500
"""

import os

import keras

from kerasgan import recipes
from kerasgan.data.super_resolution import sr_benchmark, super_resolution
from kerasgan.models.srgan import SRResNet
from kerasgan.sr import SRBenchmark, SRPreview, evaluate_sr

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED_SR = os.path.join(HERE, "..", "..", "..", "shared", "data", "sr")
DEFAULT_DATA = os.path.join(SHARED_SR, "train")
DEFAULT_BENCH = os.path.join(SHARED_SR, "benchmark")
PAPER = {"Set5": (32.05, 0.9019), "Set14": (28.49, 0.8184)}  # Ledig et al. 2017, Table 2
SMOKE = {"epochs": 2, "steps_per_epoch": 1, "batch_size": 2, "hr_patch": 32}
SMOKE_NETWORK = {"num_blocks": 1, "width": 8}
MAX_STEPS_HELP = "throughput probe: run this many steps, report, export, exit"


def sr_parser(doc, out, epochs, steps_per_epoch):
    """The flags both super-resolution recipes share."""
    p = recipes.recipe_parser(doc, out=out, epochs=epochs, batch_size=16, data=DEFAULT_DATA,
                              data_help="folder of HR training images",
                              max_steps_help=MAX_STEPS_HELP)
    p.add_argument("--bench", default=DEFAULT_BENCH, help="folder with Set5/ and Set14/")
    p.add_argument("--steps-per-epoch", type=int, default=steps_per_epoch)
    p.add_argument("--hr-patch", type=int, default=96)
    p.add_argument("--no-eval", action="store_true", help="skip the Set5/Set14 evaluation")
    return p


def smoke_data(run, args):
    """Generated HR training images and a two-image Set5."""
    args.data = recipes.synthetic_images(run.scratch("train"), 6, 48, seed=args.seed)
    recipes.synthetic_sr_benchmark(run.scratch("bench", "Set5"), 2, 32, seed=args.seed + 1)
    args.bench = run.scratch("bench")


def train(run, model, callbacks=()):
    """Fits on random HR patches of `--data` (a probe with `--max-steps`), with a preview."""
    args = run.args
    epochs, steps = args.epochs, args.steps_per_epoch
    if args.max_steps:
        epochs, steps = 1, args.max_steps
    set5 = os.path.join(args.bench, "Set5")
    callbacks = list(callbacks)
    if os.path.isdir(set5):
        _, lr_img, hr_img = sr_benchmark(set5)[1]
        callbacks.append(SRPreview(lr_img, hr_img, run.samples_dir, every=max(1, epochs // 20)))

    def make_stream():
        return super_resolution(args.data, scale=4, hr_patch=args.hr_patch,
                                batch_size=args.batch_size, cache=True, repeat=True,
                                **run.data_options)

    run.fit(model, make_stream, steps, epochs=epochs, callbacks=callbacks,
            backup=not args.max_steps, planned_steps=args.epochs * args.steps_per_epoch)


def benchmark_metrics(model, bench_dir, recipe, paper=PAPER, source=None):
    metrics = []
    for name in ("Set5", "Set14"):
        path = os.path.join(bench_dir, name)
        if not os.path.isdir(path):
            continue
        r = evaluate_sr(model, path, scale=4, progress=False)
        for key, label in (("psnr", "PSNR-Y"), ("ssim", "SSIM-Y")):
            metrics.append({"name": label, "value": round(r["mean"][key], 4), "dataset": name,
                            "bicubic": round(r["mean"][f"bicubic_{key}"], 4),
                            "paper": paper[name][0 if key == "psnr" else 1],
                            "paper_source": source or "Ledig et al. 2017, Table 2 (SRResNet, "
                                                      "ImageNet)",
                            "command": f"{recipe} (evaluate_sr on {name})"})
    return metrics


def main():
    p = sr_parser(__doc__, "runs/srresnet_x4", 100, 500)
    p.add_argument("--num-blocks", type=int, default=16)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--no-batch-norm", action="store_true", help="residual blocks without BN")
    p.add_argument("--output-activation", default="tanh", choices=["tanh", "linear"])
    p.add_argument("--loss", default="mse", choices=["mse", "mae"])
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--lr-decay-epochs", type=int, default=None,
                   help="halve the learning rate every N epochs")
    p.add_argument("--eval-every", type=int, default=1,
                   help="log Set5 PSNR/SSIM every N epochs (0: never)")
    args = recipes.parse_args(p, smoke={**SMOKE, **SMOKE_NETWORK})

    with recipes.RecipeRun("srresnet_x4", args, recipe="zoo/srresnet_x4/train.py") as run:
        if args.smoke:
            smoke_data(run, args)
        model = SRResNet(scale=4, num_blocks=args.num_blocks, width=args.width,
                         batch_norm=not args.no_batch_norm,
                         output_activation=args.output_activation)
        lr = args.lr
        if args.lr_decay_epochs:
            lr = keras.optimizers.schedules.ExponentialDecay(
                args.lr, args.lr_decay_epochs * args.steps_per_epoch, 0.5, staircase=True)
        model.compile(optimizer=keras.optimizers.Adam(lr, beta_1=0.9), loss=args.loss,
                      jit_compile=run.jit_compile)
        set5 = os.path.join(args.bench, "Set5")
        callbacks = []
        if os.path.isdir(set5) and args.eval_every and not args.max_steps:
            callbacks.append(SRBenchmark(set5, scale=4, every=args.eval_every))
        train(run, model, callbacks)
        run.finish(model, weights={"generator": model.generator}, metadata={
            "task": "upscale",
            "description": "SRResNet 4x super-resolution (PSNR-oriented, MSE)",
            "architecture": f"SRResNet-{args.num_blocks}x{args.width} (Ledig et al. 2017), "
                            f"BN={not args.no_batch_norm}",
            "training_data": {"name": "T91 + BSD200 (291 images)", "license": "research use"},
            "training": {"hr_patch": args.hr_patch},
            "metrics": [] if args.no_eval else benchmark_metrics(
                model, args.bench, "zoo/srresnet_x4/train.py"),
        })


if __name__ == "__main__":
    main()
