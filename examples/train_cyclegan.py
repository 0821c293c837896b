"""Train a CycleGAN between two sets of your images (or a tfds cycle_gan config).

Examples:
    # two folders of images (searched recursively), 128x128 crops
    python examples/train_cyclegan.py --a photos/ --b paintings/ --image-size 128 \\
        --epochs 20 --out runs/photo2painting

    # one folder in the CycleGAN layout (trainA/, trainB/, optional testA/, testB/)
    python examples/train_cyclegan.py --data horse2zebra/ --out runs/h2z

    # a TensorFlow Datasets config (needs the network, or --tfds-dir)
    python examples/train_cyclegan.py --tfds horse2zebra --out runs/h2z

Every epoch writes `samples/epoch_XXXX.png` (A images, their B translations,
B images, their A translations). Run the same command again after an
interruption and training continues from the last completed epoch. The paper's
learning rate (constant for the first half of the epochs, then linear decay to
0) is used.
"""

import argparse
import os

import keras
import numpy as np

import kerasgan
from kerasgan.utils.images import make_grid, save_image, to_uint8


class Samples(keras.callbacks.Callback):
    """Writes fixed images of both domains and their translations each epoch."""

    def __init__(self, directory, images_a, images_b):
        super().__init__()
        self.directory, self.images_a, self.images_b = directory, images_a, images_b

    def on_epoch_end(self, epoch, logs=None):
        rows = [self.images_a, self.model.translate(self.images_a, "a2b"),
                self.images_b, self.model.translate(self.images_b, "b2a")]
        save_image(os.path.join(self.directory, f"epoch_{epoch + 1:04d}.png"),
                   make_grid(np.concatenate(rows), ncols=len(self.images_a)))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--a", help="folder of domain A images (with --b)")
    src.add_argument("--data", help="folder holding trainA/ and trainB/")
    src.add_argument("--tfds", help="tfds cycle_gan config, e.g. horse2zebra")
    p.add_argument("--b", help="folder of domain B images")
    p.add_argument("--tfds-dir", default=None, help="tfds data_dir")
    p.add_argument("--image-size", type=int, default=256)
    p.add_argument("--load-size", type=int, default=None,
                   help="resize before the random crop (default: image size * 286/256)")
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--epochs", type=int, default=200, help="total (half constant, half decay)")
    p.add_argument("--width", type=int, default=64, help="ngf = ndf")
    p.add_argument("--residual-blocks", type=int, default=9)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--loss", default="lsgan", choices=kerasgan.losses.LOSS_NAMES)
    p.add_argument("--out", default="runs/cyclegan")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if args.a and not args.b:
        p.error("--a needs --b (the folder of domain B images)")

    load_size = args.load_size or int(round(args.image_size * 286 / 256))
    common = dict(image_size=args.image_size, load_size=load_size, seed=args.seed)
    if args.tfds:
        name = args.tfds if args.tfds.startswith("cycle_gan/") else f"cycle_gan/{args.tfds}"
        ds = kerasgan.data.unpaired(name, batch_size=args.batch_size, data_dir=args.tfds_dir,
                                    **common)
        preview = kerasgan.data.unpaired(name, batch_size=4, split="test", jitter=False,
                                         flip=False, data_dir=args.tfds_dir, **common)
    else:
        a, b = (args.a, args.b) if args.a else (args.data, None)
        ds = kerasgan.data.unpaired(a, b, batch_size=args.batch_size, cache=True, **common)
        preview = kerasgan.data.unpaired(a, b, batch_size=4, jitter=False, flip=False,
                                         **common)
    images_a, images_b = (to_uint8(x.numpy()) for x in next(iter(preview)))

    steps = int(ds.cardinality())
    constant = args.epochs // 2
    os.makedirs(args.out, exist_ok=True)
    model = kerasgan.models.CycleGAN(image_size=args.image_size, generator_width=args.width,
                                     num_residual_blocks=args.residual_blocks,
                                     discriminator_width=args.width, seed=args.seed)

    def adam():
        lr = kerasgan.schedules.LinearDecay.from_epochs(args.lr, constant,
                                                        args.epochs - constant, steps)
        return keras.optimizers.Adam(lr, beta_1=0.5)

    model.compile(g_optimizer=adam(), d_optimizer=adam(), loss=args.loss)
    model.fit(ds, epochs=args.epochs, callbacks=[
        Samples(os.path.join(args.out, "samples"), images_a, images_b),
        keras.callbacks.BackupAndRestore(os.path.join(args.out, "backup")),
        keras.callbacks.CSVLogger(os.path.join(args.out, "log.csv"), append=True),
    ])
    path = os.path.join(args.out, "cyclegan.keras")
    model.save(path)
    print(f"Samples in {os.path.join(args.out, 'samples')}; model in {path}. Translate with "
          "keras.saving.load_model(path).translate(images_uint8, direction='a2b').")


if __name__ == "__main__":
    main()
