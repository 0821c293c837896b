"""Train a DCGAN on your own images (or a tfds dataset) with `fit`.

Examples:
    # a folder of images (searched recursively), 64x64, sample grids + resume
    python examples/train_dcgan.py --data faces/ --image-size 64 --epochs 20 --out runs/faces

    # a TensorFlow Datasets dataset (needs the network, or --tfds-dir)
    python examples/train_dcgan.py --tfds celeb_a --image-size 64 --out runs/celeba

    # a 1-minute offline demo on generated shapes
    python examples/train_dcgan.py --demo --out runs/demo

Run the same command again after an interruption (Ctrl-C, a pre-empted machine,
even `kill -9`) and training continues from the last checkpoint -- written
atomically every `--checkpoint-every` steps and at each epoch end -- with the
full training state (weights, EMA generator, both optimizers, counters, random
state) and the data stream positioned at the next batch
(`kerasgan.callbacks.ResumableBackup`, through `kerasgan.recipes.RecipeRun`).
With a folder or the demo data the resumed run trains on exactly the batches an
uninterrupted run would have; tfds shuffles its files without a seed, so there
the order after a resume differs. Folders and the demo need no TensorFlow
(`--pipeline pydataset` is what runs without it). At the end the generator is
written as a zoo preset, `<out>/preset/dcgan/`; `--smoke` runs two one-step
epochs of a tiny model on generated shapes.
"""

import keras

import kerasgan
from kerasgan import recipes

SMOKE = {"epochs": 2, "batch_size": 4, "max_steps": 1, "width": 8, "latent_dim": 8}


def main():
    p = recipes.recipe_parser(__doc__, out="runs/dcgan", epochs=20, batch_size=64)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", help="folder of training images")
    src.add_argument("--tfds", help="tfds dataset name, e.g. celeb_a")
    src.add_argument("--demo", action="store_true", help="train on generated shapes (offline)")
    p.add_argument("--tfds-dir", default=None, help="tfds data_dir")
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--latent-dim", type=int, default=100)
    p.add_argument("--width", type=int, default=64, help="ngf = ndf")
    p.add_argument("--loss", default="non_saturating", choices=kerasgan.losses.LOSS_NAMES)
    p.add_argument("--g-lr", type=float, default=2e-4)
    p.add_argument("--d-lr", type=float, default=2e-4)
    p.add_argument("--ema", type=float, default=None, help="EMA decay of generator weights")
    p.add_argument("--steps-per-epoch", type=int, default=None,
                   help="default: images // batch size")
    p.set_defaults(checkpoint_every=500)
    args = recipes.parse_args(p, smoke=SMOKE)
    if not (args.data or args.tfds or args.demo or args.smoke):
        p.error("pass one of --data FOLDER, --tfds NAME, --demo (or --smoke)")

    with recipes.RecipeRun("dcgan", args, recipe="examples/train_dcgan.py") as run:
        if args.demo or args.smoke:  # coloured shapes, 32x32
            args.image_size, args.width = 32, min(args.width, 32)
            args.batch_size = min(args.batch_size, 32)
            args.tfds, args.data = None, recipes.synthetic_images(
                run.scratch("demo"), 16 if args.smoke else 512, 32, seed=args.seed)
        # One infinite, seeded stream of batches (each pass reshuffled): the
        # n-th batch is what step n trains on, so a resumed run can start at
        # any step. `make_stream` builds it afresh for every iterator.
        if args.tfds:
            import tensorflow_datasets as tfds

            info = tfds.builder(args.tfds, data_dir=args.tfds_dir).info
            num_images = info.splits["train"].num_examples

            def make_stream():
                return kerasgan.data.tfds_images(args.tfds, args.image_size, args.batch_size,
                                                 data_dir=args.tfds_dir, seed=args.seed,
                                                 repeat=True)
        else:
            num_images = len(kerasgan.data.list_images(args.data))

            def make_stream():
                return kerasgan.data.image_folder(args.data, args.image_size, args.batch_size,
                                                  cache=True, repeat=True, **run.data_options)
        steps = args.steps_per_epoch or max(1, num_images // args.batch_size)
        steps = min(steps, args.max_steps or steps)

        gan = kerasgan.models.DCGAN(image_size=args.image_size, latent_dim=args.latent_dim,
                                    generator_width=args.width, discriminator_width=args.width,
                                    ema_decay=args.ema, seed=args.seed)
        gan.compile(g_optimizer=keras.optimizers.Adam(args.g_lr, beta_1=0.5),
                    d_optimizer=keras.optimizers.Adam(args.d_lr, beta_1=0.5),
                    loss=args.loss, jit_compile=run.jit_compile)
        run.fit(gan, make_stream, steps,
                callbacks=[kerasgan.callbacks.SampleGrid(run.samples_dir)])
        run.finish(gan, metadata={"description": f"DCGAN {args.image_size}x{args.image_size} "
                                                 "trained with examples/train_dcgan.py"})
        print(f"Samples in {run.samples_dir}; model in {run.path('dcgan.keras')}")


if __name__ == "__main__":
    main()
