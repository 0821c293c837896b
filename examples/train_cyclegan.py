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
interruption and training continues from the last checkpoint
(`kerasgan.recipes.RecipeRun`). The paper's learning rate (constant for the
first half of the epochs, then linear decay to 0) is used. Folders need no
TensorFlow. At the end both generators are written as a zoo preset,
`<out>/preset/cyclegan/`; `--smoke` runs two one-step epochs of a tiny model
on generated images.
"""

import os

import keras

import kerasgan
from kerasgan import recipes
from kerasgan.utils.images import to_uint8

SMOKE = {"epochs": 2, "batch_size": 2, "max_steps": 1, "image_size": 32, "load_size": 36,
         "width": 8, "residual_blocks": 1}


def main():
    p = recipes.recipe_parser(__doc__, out="runs/cyclegan", epochs=200, batch_size=1,
                              epochs_help="total (half constant, half decay)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--a", help="folder of domain A images (with --b)")
    src.add_argument("--data", help="folder holding trainA/ and trainB/")
    src.add_argument("--tfds", help="tfds cycle_gan config, e.g. horse2zebra")
    p.add_argument("--b", help="folder of domain B images")
    p.add_argument("--tfds-dir", default=None, help="tfds data_dir")
    p.add_argument("--image-size", type=int, default=256)
    p.add_argument("--load-size", type=int, default=None,
                   help="resize before the random crop (default: image size * 286/256)")
    p.add_argument("--width", type=int, default=64, help="ngf = ndf")
    p.add_argument("--residual-blocks", type=int, default=9)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--loss", default="lsgan", choices=kerasgan.losses.LOSS_NAMES)
    args = recipes.parse_args(p, smoke=SMOKE)
    if not (args.a or args.data or args.tfds or args.smoke):
        p.error("pass one of --a FOLDER --b FOLDER, --data FOLDER, --tfds NAME (or --smoke)")
    if args.a and not args.b:
        p.error("--a needs --b (the folder of domain B images)")

    with recipes.RecipeRun("cyclegan", args, recipe="examples/train_cyclegan.py") as run:
        if args.smoke:
            args.data = args.tfds = None
            args.a, args.b = (recipes.synthetic_images(run.scratch(d), 8, 40, seed=args.seed,
                                                       hue=hue)
                              for d, hue in (("a", 0.1), ("b", 0.9)))
        load_size = args.load_size or int(round(args.image_size * 286 / 256))
        common = dict(image_size=args.image_size, load_size=load_size,
                      batch_size=args.batch_size, seed=args.seed)
        if args.tfds:
            name = args.tfds if args.tfds.startswith("cycle_gan/") else f"cycle_gan/{args.tfds}"

            def make_stream():
                return kerasgan.data.unpaired(name, data_dir=args.tfds_dir, repeat=True, **common)

            steps = kerasgan.data.steps_per_epoch(
                kerasgan.data.unpaired(name, data_dir=args.tfds_dir, **common))
            preview = kerasgan.data.unpaired(name, split="test", jitter=False, flip=False,
                                             data_dir=args.tfds_dir, **{**common, "batch_size": 4})
            grids = recipes.TranslationGrid(run.samples_dir,
                                            *(to_uint8(x.numpy()) for x in next(iter(preview))))
        else:
            a, b = ((args.a, args.b) if args.a else
                    (os.path.join(args.data, "trainA"), os.path.join(args.data, "trainB")))

            def make_stream():
                return kerasgan.data.unpaired(a, b, cache=True, repeat=True,
                                              **{**common, **run.data_options})

            steps = max(len(kerasgan.data.list_images(d)) for d in (a, b)) // args.batch_size
            grids = recipes.TranslationGrid.from_folders(run.samples_dir, a, b,
                                                         args.image_size, 4)
        steps = min(steps, args.max_steps or steps)
        constant = args.epochs // 2

        def adam():
            lr = kerasgan.schedules.LinearDecay.from_epochs(args.lr, constant,
                                                            args.epochs - constant, steps)
            return keras.optimizers.Adam(lr, beta_1=0.5)

        model = kerasgan.models.CycleGAN(image_size=args.image_size, generator_width=args.width,
                                         num_residual_blocks=args.residual_blocks,
                                         discriminator_width=args.width, seed=args.seed)
        model.compile(g_optimizer=adam(), d_optimizer=adam(), loss=args.loss,
                      jit_compile=run.jit_compile)
        run.fit(model, make_stream, steps, callbacks=[grids])
        run.finish(model, weights={"generator_ab": model.generator_ab,
                                   "generator_ba": model.generator_ba},
                   metadata={"description": "CycleGAN trained with examples/train_cyclegan.py"})
        print(f"Samples in {run.samples_dir}; model in {run.path('cyclegan.keras')}. Translate "
              "with kerasgan.zoo.load(<out>/preset/cyclegan).translate(images_uint8, "
              "direction='a2b').")


if __name__ == "__main__":
    main()
