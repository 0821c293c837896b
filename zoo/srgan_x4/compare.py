"""Crop comparison PNG for the SR model cards: bicubic | SRResNet | SRGAN | HR.

One row per benchmark image (a centre crop of the HR image, 4x upscaled from
the official bicubic LR image), labelled columns on top.

Example:
    python zoo/srgan_x4/compare.py --models srresnet_x4 srgan_x4 \
        --out zoo/srgan_x4/comparison.png
"""

import argparse
import os

import numpy as np
from PIL import Image, ImageDraw

from kerasgan import zoo
from kerasgan.data.super_resolution import sr_benchmark
from kerasgan.sr import comparison_strip

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, "..", "..", "..", "shared", "data", "sr", "benchmark")
# Set14 img_001 baboon, img_005 comic, img_014 zebra; Set5 img_003 butterfly.
DEFAULT_IMAGES = ("Set14/img_001", "Set14/img_005", "Set5/img_003", "Set14/img_014")


def load(name_or_path):
    if name_or_path.endswith(".keras"):
        import keras

        return keras.saving.load_model(name_or_path, compile=False)
    return zoo.load(name_or_path, offline=True)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", required=True,
                   help="zoo names, preset folders or .keras files, in column order")
    p.add_argument("--labels", nargs="+", default=None, help="column labels for --models")
    p.add_argument("--images", nargs="+", default=list(DEFAULT_IMAGES),
                   help="DATASET/stem entries of the benchmark folder")
    p.add_argument("--bench", default=BENCH)
    p.add_argument("--crop", type=int, default=128, help="HR crop size")
    p.add_argument("--out", required=True)
    args = p.parse_args()
    labels = args.labels or [os.path.basename(m).replace(".keras", "") for m in args.models]
    models = [load(m) for m in args.models]

    rows = []
    for entry in args.images:
        dataset, stem = entry.split("/")
        pairs = {os.path.splitext(n)[0]: (lr, hr)
                 for n, lr, hr in sr_benchmark(os.path.join(args.bench, dataset))}
        if stem not in pairs:
            raise SystemExit(f"{entry}: no such image; {dataset} has {sorted(pairs)}")
        lr, hr = pairs[stem]
        c = min(args.crop, hr.shape[0], hr.shape[1])
        top, left = (hr.shape[0] - c) // 2, (hr.shape[1] - c) // 2
        outputs = {label: np.asarray(m.upscale(lr)) for label, m in zip(labels, models)}
        rows.append(comparison_strip(lr, hr, outputs, 4, box=(top, left, c, c)))
    width = max(r.shape[1] for r in rows)
    header = Image.new("RGB", (width, 18), "white")
    draw = ImageDraw.Draw(header)
    panel = args.crop + 4
    for i, text in enumerate(["bicubic", *labels, "HR"]):
        draw.text((i * panel + 4, 3), text, fill="black")
    gap = np.full((4, width, 3), 255, np.uint8)
    body = [np.asarray(header)]
    for r in rows:
        body += [gap, np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)),
                             constant_values=255)]
    Image.fromarray(np.concatenate(body)).save(args.out, optimize=True)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
