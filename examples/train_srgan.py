"""Train SRGAN 4x in two stages on your own high-resolution images (or tfds DIV2K).

Stage 1 trains the SRResNet generator with a pixel loss (MSE, Keras `fit`);
stage 2 fine-tunes it adversarially (SRGAN) with a content loss: the paper's
VGG54 if VGG19's ImageNet weights are in the Keras cache (`--content vgg54`),
otherwise discriminator feature matching (the default). Both stages back up
every epoch and resume when the script is started again with the same
`--out`; a finished stage 1 (`<out>/srresnet.keras`) is not trained again.
Every stage-2 epoch writes `samples/epoch_XXXX.png` ([bicubic | SRGAN | HR] on
a patch of the first image). At the end the generator is written as a zoo
preset, `<out>/preset/srgan/`. Folders need no TensorFlow.

Examples:
    python examples/train_srgan.py --data my_photos/ --out runs/sr
    python examples/train_srgan.py --tfds div2k/bicubic_x4 --out runs/sr_div2k
    python examples/train_srgan.py --smoke --out runs/sr_smoke   # generated images, 1 step a stage
Then:
    kerasgan upscale runs/sr/preset/srgan photo.png --output-dir out/
"""

import os

import keras

from kerasgan import recipes
from kerasgan.data.super_resolution import super_resolution, super_resolution_tfds
from kerasgan.models.srgan import SRGAN, SRResNet
from kerasgan.sr import SRPreview
from kerasgan.utils.images import to_uint8

SMOKE = {"stage1_epochs": 1, "stage2_epochs": 1, "max_steps": 1, "batch_size": 2,
         "hr_patch": 32, "num_blocks": 1, "width": 8}


def main():
    p = recipes.recipe_parser(__doc__, out="runs/srgan", epochs=None, batch_size=16,
                              max_steps_help="smoke test: this many steps per stage, one "
                                             "epoch each")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", help="folder of high-resolution images")
    src.add_argument("--tfds", nargs="?", const="div2k/bicubic_x4",
                     help="tfds dataset (default div2k/bicubic_x4; needs the network)")
    p.add_argument("--tfds-dir", default=None)
    p.add_argument("--stage1-epochs", type=int, default=100)
    p.add_argument("--stage2-epochs", type=int, default=50)
    p.add_argument("--steps-per-epoch", type=int, default=500)
    p.add_argument("--hr-patch", type=int, default=96)
    p.add_argument("--num-blocks", type=int, default=16)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--content", default="feature_matching",
                   choices=["feature_matching", "vgg54", "vgg22", "mse", "mae"])
    p.add_argument("--adversarial-weight", type=float, default=1e-3)
    args = recipes.parse_args(p, smoke=SMOKE)
    if not (args.data or args.tfds or args.smoke):
        p.error("pass --data FOLDER or --tfds [NAME] (or --smoke)")

    with recipes.RecipeRun("srgan", args, recipe="examples/train_srgan.py") as run:
        if args.smoke:
            args.tfds, args.data = None, recipes.synthetic_images(run.scratch("hr"), 6, 48,
                                                                  seed=args.seed)
        common = dict(scale=4, hr_patch=args.hr_patch, batch_size=args.batch_size, repeat=True)
        callbacks = []
        if args.tfds:
            def make_stream():
                return super_resolution_tfds(args.tfds, data_dir=args.tfds_dir, seed=args.seed,
                                             **common)
        else:
            def make_stream():
                return super_resolution(args.data, cache=True, **common, **run.data_options)

            lr, hr = super_resolution(args.data, scale=4, hr_patch=args.hr_patch, batch_size=1,
                                      augment=False, shuffle=False, pipeline="pydataset")[0]
            callbacks.append(SRPreview(to_uint8(lr[0]), to_uint8(hr[0]), run.samples_dir))
        steps = args.max_steps or args.steps_per_epoch
        epochs1 = 1 if args.max_steps else args.stage1_epochs
        epochs2 = 1 if args.max_steps else args.stage2_epochs

        stage1_file = run.path("srresnet.keras")
        if os.path.exists(stage1_file):
            print(f"stage 1: using {stage1_file}")
            srresnet = keras.saving.load_model(stage1_file)
        else:
            print("stage 1: SRResNet with MSE")
            srresnet = SRResNet(scale=4, num_blocks=args.num_blocks, width=args.width)
            srresnet.compile(jit_compile=run.jit_compile)  # Adam(1e-4, beta_1=0.9), MSE
            run.fit(srresnet, make_stream, steps, epochs=epochs1, backup="stage1_backup",
                    log="stage1_log.csv")
            srresnet.save(stage1_file)

        print(f"stage 2: SRGAN with content loss {args.content!r}")
        gan = SRGAN(generator=srresnet, hr_patch=args.hr_patch, content_loss=args.content,
                    adversarial_weight=args.adversarial_weight, seed=args.seed)
        gan.compile(jit_compile=run.jit_compile)  # Adam(1e-4, beta_1=0.9) for G and D
        run.fit(gan, make_stream, steps, epochs=epochs2, backup="stage2_backup",
                callbacks=callbacks)
        run.finish(gan, weights={"generator": gan.generator},
                   metadata={"description": "SRGAN 4x trained with examples/train_srgan.py"})
        print("saved", stage1_file, "and", run.path("srgan.keras"))


if __name__ == "__main__":
    main()
