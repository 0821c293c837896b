"""Recipe for the zoo's `srgan_x4` weights: SRGAN 4x (Ledig et al. 2017, stage 2).

Uses only kerasgan's public API. Starts from the `srresnet_x4` stage-1 model
(`--srresnet`: a `.keras` file written by `zoo/srresnet_x4/train.py`, or a
preset folder/name) and fine-tunes it adversarially against the VGG-style
discriminator on the shared adversarial core: non-saturating loss, Adam 1e-4
(beta_1 = 0.9) for both players, adversarial weight 1e-3 (the paper).

Content loss: VGG19's ImageNet weights cannot be downloaded on the build
machine, so the default is discriminator feature matching (mean L1 between D's
activations at four scales on SR and HR) plus an MSE pixel term
(`--pixel-weight`); `--content vgg54` uses the paper's VGG54 loss when
`~/.keras/models/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5` exists.

Budget first with `--max-steps 20` (throughput, estimate, export, exit).
Interrupted runs continue from `--out/backup` when started again
(`keras.callbacks.BackupAndRestore`).

Example:
    python zoo/srgan_x4/train.py --srresnet runs/srresnet_x4/srresnet_x4.keras \
        --out runs/srgan_x4 --epochs 40 --steps-per-epoch 250
"""

import argparse
import importlib.util
import json
import os
import time

import keras

from kerasgan import losses, zoo
from kerasgan.data.super_resolution import sr_benchmark, super_resolution
from kerasgan.models.srgan import SRGAN
from kerasgan.sr import SRPreview

HERE = os.path.dirname(os.path.abspath(__file__))
# Shared pieces of the stage-1 recipe (data paths, throughput timer, evaluation).
_spec = importlib.util.spec_from_file_location(
    "srresnet_x4_train", os.path.join(HERE, "..", "srresnet_x4", "train.py"))
_stage1 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_stage1)
DEFAULT_BENCH, DEFAULT_DATA = _stage1.DEFAULT_BENCH, _stage1.DEFAULT_DATA
Throughput, benchmark_metrics = _stage1.Throughput, _stage1.benchmark_metrics

PAPER_SRGAN = {"Set5": (29.40, 0.8472), "Set14": (26.02, 0.7397)}  # Ledig et al. 2017, Table 2


def load_stage1(path):
    if path.endswith(".keras"):
        return keras.saving.load_model(path, compile=False)
    return zoo.load(path)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--srresnet", default="runs/srresnet_x4/srresnet_x4.keras",
                   help="stage-1 SRResNet: .keras file, preset folder or zoo name")
    p.add_argument("--data", default=DEFAULT_DATA)
    p.add_argument("--bench", default=DEFAULT_BENCH)
    p.add_argument("--out", default="runs/srgan_x4")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--steps-per-epoch", type=int, default=250)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--hr-patch", type=int, default=96)
    p.add_argument("--d-width", type=int, default=64, help="discriminator width (64 in paper)")
    p.add_argument("--content", default="feature_matching",
                   choices=["feature_matching", "vgg54", "vgg22", "mse", "mae"])
    p.add_argument("--pixel-weight", type=float, default=None,
                   help="MSE pixel term weight (default 1.0 with feature matching, else 0)")
    p.add_argument("--adversarial-weight", type=float, default=1e-3)
    p.add_argument("--g-lr", type=float, default=1e-4)
    p.add_argument("--d-lr", type=float, default=1e-4)
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jit", action="store_true")
    p.add_argument("--max-steps", type=int, default=None, help="throughput probe")
    p.add_argument("--no-eval", action="store_true")
    p.add_argument("--resume", action="store_true")
    args = p.parse_args()

    backup = os.path.join(args.out, "backup")
    if args.resume and not os.path.isdir(backup):
        raise SystemExit(f"--resume: no interrupted run to continue in {backup!r}.")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "recipe.json"), "w") as f:
        json.dump(vars(args), f, indent=2)
    keras.utils.set_random_seed(args.seed)

    stage1 = load_stage1(args.srresnet)
    ds = super_resolution(args.data, scale=4, hr_patch=args.hr_patch,
                          batch_size=args.batch_size, seed=args.seed, cache=True, repeat=True)
    gan = SRGAN(generator=stage1, hr_patch=args.hr_patch, discriminator_width=args.d_width,
                content_loss=args.content, pixel_weight=args.pixel_weight,
                adversarial_weight=args.adversarial_weight, seed=args.seed)
    gan.compile(g_optimizer=keras.optimizers.Adam(args.g_lr, beta_1=0.9),
                d_optimizer=keras.optimizers.Adam(args.d_lr, beta_1=0.9),
                loss=losses.NonSaturating(label_smoothing=args.label_smoothing),
                jit_compile=args.jit)

    epochs, steps = args.epochs, args.steps_per_epoch
    if args.max_steps:
        epochs, steps = 1, args.max_steps
    callbacks = [keras.callbacks.CSVLogger(os.path.join(args.out, "log.csv"), append=True)]
    if not args.max_steps:
        callbacks.insert(0, keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False))
    set5 = os.path.join(args.bench, "Set5")
    if os.path.isdir(set5):
        _, lr_img, hr_img = sr_benchmark(set5)[1]
        callbacks.append(SRPreview(lr_img, hr_img, os.path.join(args.out, "preview"),
                                   every=max(1, epochs // 20)))
    timer = Throughput()
    start = time.time()
    gan.fit(ds, epochs=epochs, steps_per_epoch=steps, verbose=2, callbacks=callbacks + [timer])
    elapsed = time.time() - start
    speed = timer.summary(args.batch_size)
    speed["planned_steps"] = args.epochs * args.steps_per_epoch
    speed["planned_hours"] = speed["planned_steps"] * speed["sec_per_step"] / 3600
    print("throughput:", json.dumps(speed))
    with open(os.path.join(args.out, "timing.json"), "a") as f:
        f.write(json.dumps({"seconds_this_session": elapsed, **speed}) + "\n")

    gan.save(os.path.join(args.out, "srgan_x4.keras"))
    metrics = [] if args.no_eval else benchmark_metrics(gan, args.bench, "zoo/srgan_x4/train.py")
    for m in metrics:
        m["paper"] = PAPER_SRGAN[m["dataset"]][0 if m["name"] == "PSNR-Y" else 1]
        m["paper_source"] = "Ledig et al. 2017, Table 2 (SRGAN-VGG54, ImageNet)"
    zoo.save_preset(gan, os.path.join(args.out, "preset", "srgan_x4"), overwrite=True,
                    weights={"generator": gan.generator}, metadata={
                        "task": "upscale",
                        "description": "SRGAN 4x super-resolution (perceptual, sharper texture)",
                        "architecture": f"SRResNet-{gan.num_blocks}x{gan.width} generator, "
                                        f"VGG-style D (width {args.d_width}), content "
                                        f"{args.content} (Ledig et al. 2017)",
                        "training_data": {"name": "T91 + BSD200 (291 images)",
                                          "license": "research use"},
                        "training": {"steps": int(gan.g_optimizer.iterations.numpy()),
                                     "init": args.srresnet, "batch_size": args.batch_size,
                                     "seconds_last_session": round(elapsed, 1)},
                        "metrics": metrics,
                        "recipe": "zoo/srgan_x4/train.py",
                    })
    print("exported", os.path.join(args.out, "preset", "srgan_x4"))


if __name__ == "__main__":
    main()
