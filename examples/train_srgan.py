"""Train SRGAN 4x in two stages on your own high-resolution images (or tfds DIV2K).

Stage 1 trains the SRResNet generator with a pixel loss (MSE, Keras `fit`);
stage 2 fine-tunes it adversarially (SRGAN) with a content loss: the paper's
VGG54 if VGG19's ImageNet weights are in the Keras cache (`--content vgg54`),
otherwise discriminator feature matching (the default). Both stages back up
every epoch and resume when the script is started again with the same
`--out`; a finished stage 1 (`<out>/srresnet.keras`) is not trained again.

Examples:
    python examples/train_srgan.py --data my_photos/ --out runs/sr
    python examples/train_srgan.py --tfds div2k/bicubic_x4 --out runs/sr_div2k
    python examples/train_srgan.py --data my_photos/ --max-steps 2 --num-blocks 1 \
        --width 8 --hr-patch 32 --batch-size 2          # smoke test
Then:
    python -c "import keras, kerasgan, numpy as np; from PIL import Image; \
m = keras.saving.load_model('runs/sr/srgan.keras'); \
Image.fromarray(m.upscale(np.asarray(Image.open('photo.png').convert('RGB')))).save('x4.png')"
"""

import argparse
import os

import keras

from kerasgan.data.super_resolution import super_resolution, super_resolution_tfds
from kerasgan.models.srgan import SRGAN, SRResNet


def dataset(args):
    if args.tfds:
        return super_resolution_tfds(args.tfds, scale=4, hr_patch=args.hr_patch,
                                     batch_size=args.batch_size, data_dir=args.tfds_dir,
                                     seed=args.seed, repeat=True)
    return super_resolution(args.data, scale=4, hr_patch=args.hr_patch,
                            batch_size=args.batch_size, seed=args.seed, cache=True,
                            repeat=True)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", help="folder of high-resolution images")
    src.add_argument("--tfds", nargs="?", const="div2k/bicubic_x4",
                     help="tfds dataset (default div2k/bicubic_x4; needs the network)")
    p.add_argument("--tfds-dir", default=None)
    p.add_argument("--out", default="runs/srgan")
    p.add_argument("--stage1-epochs", type=int, default=100)
    p.add_argument("--stage2-epochs", type=int, default=50)
    p.add_argument("--steps-per-epoch", type=int, default=500)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--hr-patch", type=int, default=96)
    p.add_argument("--num-blocks", type=int, default=16)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--content", default="feature_matching",
                   choices=["feature_matching", "vgg54", "vgg22", "mse", "mae"])
    p.add_argument("--adversarial-weight", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-steps", type=int, default=None,
                   help="smoke test: this many steps per stage, one epoch each")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    ds = dataset(args)
    steps = args.max_steps or args.steps_per_epoch
    epochs1 = 1 if args.max_steps else args.stage1_epochs
    epochs2 = 1 if args.max_steps else args.stage2_epochs

    stage1_file = os.path.join(args.out, "srresnet.keras")
    if os.path.exists(stage1_file):
        print(f"stage 1: using {stage1_file}")
        srresnet = keras.saving.load_model(stage1_file)
    else:
        print("stage 1: SRResNet with MSE")
        srresnet = SRResNet(scale=4, num_blocks=args.num_blocks, width=args.width)
        srresnet.compile()  # Adam(1e-4, beta_1=0.9), MSE
        srresnet.fit(ds, epochs=epochs1, steps_per_epoch=steps, verbose=2, callbacks=[
            keras.callbacks.BackupAndRestore(os.path.join(args.out, "stage1_backup")),
        ])
        srresnet.save(stage1_file)

    print(f"stage 2: SRGAN with content loss {args.content!r}")
    gan = SRGAN(generator=srresnet, hr_patch=args.hr_patch, content_loss=args.content,
                adversarial_weight=args.adversarial_weight, seed=args.seed)
    gan.compile()  # Adam(1e-4, beta_1=0.9) for G and D, non-saturating loss
    gan.fit(ds, epochs=epochs2, steps_per_epoch=steps, verbose=2, callbacks=[
        keras.callbacks.BackupAndRestore(os.path.join(args.out, "stage2_backup")),
    ])
    gan.save(os.path.join(args.out, "srgan.keras"))
    print("saved", stage1_file, "and", os.path.join(args.out, "srgan.keras"))


if __name__ == "__main__":
    main()
