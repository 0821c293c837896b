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
(`kerasgan.callbacks.ResumableBackup`). The preset goes to
`<out>/preset/srgan_x4/`. `--smoke` fine-tunes a fresh tiny SRResNet for
two one-step epochs on generated images. Shared flags: `kerasgan.recipes`.

Example:
    python zoo/srgan_x4/train.py --srresnet runs/srresnet_x4/srresnet_x4.keras \
        --out runs/srgan_x4 --epochs 40 --steps-per-epoch 250
"""

import importlib.util
import os

import keras

from kerasgan import losses, recipes, zoo
from kerasgan.models.srgan import SRGAN, SRResNet

HERE = os.path.dirname(os.path.abspath(__file__))
# The stage-1 recipe's flags, smoke data, training loop and evaluation.
_spec = importlib.util.spec_from_file_location(
    "srresnet_x4_train", os.path.join(HERE, "..", "srresnet_x4", "train.py"))
_stage1 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_stage1)

PAPER_SRGAN = {"Set5": (29.40, 0.8472), "Set14": (26.02, 0.7397)}  # Ledig et al. 2017, Table 2
SMOKE = {**_stage1.SMOKE, "d_width": 8}


def load_stage1(args):
    if args.smoke:  # a fresh tiny generator: the smoke needs no stage-1 run
        return SRResNet(scale=4, **_stage1.SMOKE_NETWORK)
    if args.srresnet.endswith(".keras"):
        return keras.saving.load_model(args.srresnet, compile=False)
    return zoo.load(args.srresnet)


def main():
    p = _stage1.sr_parser(__doc__, "runs/srgan_x4", 40, 250)
    p.add_argument("--srresnet", default="runs/srresnet_x4/srresnet_x4.keras",
                   help="stage-1 SRResNet: .keras file, preset folder or zoo name")
    p.add_argument("--d-width", type=int, default=64, help="discriminator width (64 in paper)")
    p.add_argument("--content", default="feature_matching",
                   choices=["feature_matching", "vgg54", "vgg22", "mse", "mae"])
    p.add_argument("--pixel-weight", type=float, default=None,
                   help="MSE pixel term weight (default 1.0 with feature matching, else 0)")
    p.add_argument("--adversarial-weight", type=float, default=1e-3)
    p.add_argument("--g-lr", type=float, default=1e-4)
    p.add_argument("--d-lr", type=float, default=1e-4)
    p.add_argument("--label-smoothing", type=float, default=0.0)
    args = recipes.parse_args(p, smoke=SMOKE)

    with recipes.RecipeRun("srgan_x4", args, recipe="zoo/srgan_x4/train.py") as run:
        if args.smoke:
            _stage1.smoke_data(run, args)
        gan = SRGAN(generator=load_stage1(args), hr_patch=args.hr_patch,
                    discriminator_width=args.d_width, content_loss=args.content,
                    pixel_weight=args.pixel_weight,
                    adversarial_weight=args.adversarial_weight, seed=args.seed)
        gan.compile(g_optimizer=keras.optimizers.Adam(args.g_lr, beta_1=0.9),
                    d_optimizer=keras.optimizers.Adam(args.d_lr, beta_1=0.9),
                    loss=losses.NonSaturating(label_smoothing=args.label_smoothing),
                    jit_compile=run.jit_compile)
        _stage1.train(run, gan)
        run.finish(gan, weights={"generator": gan.generator}, metadata={
            "task": "upscale",
            "description": "SRGAN 4x super-resolution (perceptual, sharper texture)",
            "architecture": f"SRResNet-{gan.num_blocks}x{gan.width} generator, VGG-style D "
                            f"(width {args.d_width}), content {args.content} "
                            "(Ledig et al. 2017)",
            "training_data": {"name": "T91 + BSD200 (291 images)", "license": "research use"},
            "training": {"init": args.srresnet, "hr_patch": args.hr_patch},
            "metrics": [] if args.no_eval else _stage1.benchmark_metrics(
                gan, args.bench, "zoo/srgan_x4/train.py", PAPER_SRGAN,
                "Ledig et al. 2017, Table 2 (SRGAN-VGG54, ImageNet)"),
        })


if __name__ == "__main__":
    main()
