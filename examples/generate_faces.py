"""Generate faces with the zoo's pretrained DCGAN and save them as one PNG grid.

Works offline: the weights ship with kerasgan (or come from the cache).

Example:
    python examples/generate_faces.py --num 64 --seed 0 --output faces.png
"""

import argparse

from kerasgan import zoo
from kerasgan.utils.images import make_grid, save_image

parser = argparse.ArgumentParser(description="Generate faces with the pretrained DCGAN.")
parser.add_argument("--num", type=int, default=64, help="number of faces")
parser.add_argument("--seed", type=int, default=0, help="same seed, same faces")
parser.add_argument("--output", default="faces.png", help="PNG grid to write")
args = parser.parse_args()

gan = zoo.load("dcgan_faces")                   # a ready kerasgan.models.DCGAN
faces = gan.generate(args.num, seed=args.seed)  # uint8 (num, 64, 64, 3)
save_image(args.output, make_grid(faces))
print(f"Wrote {args.num} faces to {args.output}")
