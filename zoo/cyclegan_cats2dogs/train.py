"""Recipe for the zoo's `cyclegan_cats2dogs` weights: CycleGAN cats (A) <-> dogs (B).

Uses only kerasgan's public API. Trains on `../shared/data/cats_dogs/train/cat`
(domain A) and `.../train/dog` (domain B): random jitter (resize to
`--load-size`, random `--image-size` crop) and horizontal flips, batch 1,
LSGAN loss, cycle weight 10, identity weight 0.5 x 10, a history pool of 50
images per domain, Adam(2e-4, beta_1=0.5) kept constant for `--constant-epochs`
then decayed linearly to 0 over the remaining epochs (Zhu et al. 2017).

Every epoch writes `samples/epoch_XXXX.png`: fixed test cats (top rows) and
dogs (bottom rows), each followed by its translation. Interrupted runs
continue where they stopped when started again with the same `--out` (weights,
optimizer states incl. the step of the learning-rate schedule, history pools;
`keras.callbacks.BackupAndRestore`); `--resume` makes that explicit. At the
end the preset (both generators) is written to `<out>/preset/`.

Measure throughput before choosing the settings:
    python zoo/cyclegan_cats2dogs/train.py --out runs/probe --image-size 128 \\
        --width 32 --residual-blocks 6 --epochs 1 --max-steps 20

Example (a real run):
    python zoo/cyclegan_cats2dogs/train.py --out runs/cyclegan_cats2dogs \\
        --image-size 128 --width 32 --residual-blocks 6 --epochs 20
"""

import argparse
import glob
import json
import os
import time

import keras
import numpy as np

import kerasgan
from kerasgan.utils.images import make_grid, save_image

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "shared", "data", "cats_dogs")


def load_square(path, size):
    """A uint8 (size, size, 3) centre crop of an image file."""
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGB")
        w, h = im.size
        side = min(w, h)
        im = im.crop(((w - side) // 2, (h - side) // 2, (w + side) // 2, (h + side) // 2))
        return np.asarray(im.resize((size, size), Image.BICUBIC))


class BeforeAfter(keras.callbacks.Callback):
    """Writes a grid of fixed test images and their translations every epoch.

    Rows alternate input / translation: cats -> dogs, then dogs -> cats.
    """

    def __init__(self, directory, cats, dogs, every=1):
        super().__init__()
        self.directory, self.cats, self.dogs, self.every = directory, cats, dogs, every

    def write(self, epoch):
        rows = []
        for images, direction in ((self.cats, "a2b"), (self.dogs, "b2a")):
            if len(images):
                rows += [images, self.model.translate(images, direction=direction)]
        grid = make_grid(np.concatenate(rows), ncols=max(len(self.cats), len(self.dogs)))
        return save_image(os.path.join(self.directory, f"epoch_{epoch:04d}.png"), grid)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.write(epoch + 1)


class Throughput(keras.callbacks.Callback):
    """Images per second, excluding the first batch (graph tracing)."""

    def __init__(self, batch_size):
        super().__init__()
        self.batch_size = batch_size
        self.start = None
        self.batches = 0
        self.seconds = 0.0

    def on_train_batch_begin(self, batch, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if self.batches > 1:
            self.seconds += time.perf_counter() - self.start

    def images_per_second(self):
        timed = self.batches - 1
        return timed * self.batch_size / self.seconds if timed > 0 and self.seconds else None


NETWORKS = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")


def init_from(model, path):
    """Copies the four networks' weights from a saved CycleGAN (any image size)."""
    source = keras.saving.load_model(path, compile=False)
    for name in NETWORKS:
        src, dst = getattr(source, name), getattr(model, name)
        shapes = [tuple(w.shape) for w in src.weights], [tuple(w.shape) for w in dst.weights]
        if shapes[0] != shapes[1]:
            raise SystemExit(f"--init {path!r}: {name} has other shapes than this model "
                             "(pass the same --width, --residual-blocks and --upsampling).")
        dst.set_weights(src.get_weights())
    print(f"Initialised the four networks from {path} (trained at {source.image_size} px).")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=os.path.join(DATA, "train"),
                   help="folder holding cat/ (domain A) and dog/ (domain B)")
    p.add_argument("--test-data", default=os.path.join(DATA, "test"),
                   help="folder holding cat/ and dog/ for the sample grids")
    p.add_argument("--out", default="runs/cyclegan_cats2dogs")
    p.add_argument("--image-size", type=int, default=128)
    p.add_argument("--load-size", type=int, default=None,
                   help="resize before the random crop (default: image size * 286/256)")
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--width", type=int, default=32, help="ngf = ndf")
    p.add_argument("--residual-blocks", type=int, default=6)
    p.add_argument("--epochs", type=int, default=20, help="total epochs")
    p.add_argument("--constant-epochs", type=int, default=None,
                   help="epochs at the initial learning rate (default: half)")
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--cycle-weight", type=float, default=10.0)
    p.add_argument("--identity-weight", type=float, default=0.5)
    p.add_argument("--pool-size", type=int, default=50)
    p.add_argument("--upsampling", choices=["transpose", "resize"], default="transpose",
                   help="generator upsampling: the paper's transposed convolutions, or "
                        "resize-convolution (no checkerboard texture)")
    p.add_argument("--samples", type=int, default=6, help="test images per domain in the grids")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jit", action="store_true", help="XLA-compile the train step")
    p.add_argument("--max-steps", type=int, default=None,
                   help="stop each epoch after this many batches (throughput probes)")
    p.add_argument("--max-images", type=int, default=None,
                   help="like --max-steps, in images")
    p.add_argument("--init", default=None,
                   help="start all four networks from a CycleGAN .keras file of the same "
                        "widths and depths (e.g. a lower-resolution phase: the networks "
                        "are fully convolutional)")
    p.add_argument("--resume", action="store_true", help="require an interrupted run in --out")
    p.add_argument("--no-preset", action="store_true", help="do not export the preset")
    args = p.parse_args()

    backup = os.path.join(args.out, "backup")
    if args.resume and not os.path.isdir(backup):
        raise SystemExit(f"--resume: no interrupted run to continue in {backup!r}.")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "recipe.json"), "w") as f:
        json.dump(vars(args), f, indent=2)

    load_size = args.load_size or int(round(args.image_size * 286 / 256))
    ds = kerasgan.data.unpaired(os.path.join(args.data, "cat"), os.path.join(args.data, "dog"),
                                image_size=args.image_size, load_size=load_size,
                                batch_size=args.batch_size, seed=args.seed, cache=True)
    steps = int(ds.cardinality())
    if args.max_images:
        args.max_steps = max(1, args.max_images // args.batch_size)
    if args.max_steps:
        steps = min(steps, args.max_steps)
        ds = ds.take(steps)
    constant = args.epochs // 2 if args.constant_epochs is None else args.constant_epochs
    lr_g = kerasgan.schedules.LinearDecay.from_epochs(args.lr, constant, args.epochs - constant,
                                                      steps)
    lr_d = kerasgan.schedules.LinearDecay.from_epochs(args.lr, constant, args.epochs - constant,
                                                      steps)

    model = kerasgan.models.CycleGAN(
        image_size=args.image_size, generator_width=args.width,
        num_residual_blocks=args.residual_blocks, discriminator_width=args.width,
        cycle_weight=args.cycle_weight, identity_weight=args.identity_weight,
        pool_size=args.pool_size, upsampling=args.upsampling, seed=args.seed)
    if args.init:
        init_from(model, args.init)
    model.compile(g_optimizer=keras.optimizers.Adam(lr_g, beta_1=0.5),
                  d_optimizer=keras.optimizers.Adam(lr_d, beta_1=0.5),
                  loss="lsgan", jit_compile=args.jit)

    def test_images(domain):
        files = sorted(glob.glob(os.path.join(args.test_data, domain, "*")))[:args.samples]
        if not files:
            return np.zeros((0, args.image_size, args.image_size, 3), np.uint8)
        return np.stack([load_square(f, args.image_size) for f in files])

    grids = BeforeAfter(os.path.join(args.out, "samples"), test_images("cat"), test_images("dog"))
    speed = Throughput(args.batch_size)
    start = time.time()
    model.fit(ds, epochs=args.epochs, verbose=2, callbacks=[
        keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False),
        grids, speed,
        keras.callbacks.CSVLogger(os.path.join(args.out, "log.csv"), append=True),
    ])
    seconds = time.time() - start
    model.save(os.path.join(args.out, "cyclegan_cats2dogs.keras"))
    record = {"epochs": args.epochs, "steps_per_epoch": steps,
              "seconds_this_session": seconds,
              "images_per_second": speed.images_per_second()}
    with open(os.path.join(args.out, "timing.json"), "a") as f:
        f.write(json.dumps(record) + "\n")
    print(json.dumps(record))

    if not args.no_preset:
        path = kerasgan.zoo.save_preset(
            model, os.path.join(args.out, "preset"), overwrite=True,
            weights={"generator_ab": model.generator_ab, "generator_ba": model.generator_ba},
            metadata={
                "name": "cyclegan_cats2dogs",
                "task": "translate",
                "description": (f"CycleGAN cats (A) <-> dogs (B), trained at "
                                f"{args.image_size}x{args.image_size}; translate any size "
                                "with direction='a2b' (cat to dog) or 'b2a'."),
                "architecture": (f"ResNet generators (ngf={args.width}, "
                                 f"{args.residual_blocks} residual blocks, {args.upsampling} "
                                 "upsampling), PatchGAN "
                                 f"discriminators (ndf={args.width}), LSGAN, cycle "
                                 f"{args.cycle_weight}, identity {args.identity_weight}"),
                "training_data": {"name": "cats_dogs/train (1000 cats, 1000 dogs)",
                                  "path": "../shared/data/cats_dogs/train"},
                "recipe": "zoo/cyclegan_cats2dogs/train.py",
                "training": {"epochs": args.epochs, "steps_per_epoch": steps, "init": args.init,
                             "seconds_last_session": round(seconds, 1)},
            })
        print(f"Preset written: {path}")


if __name__ == "__main__":
    main()
