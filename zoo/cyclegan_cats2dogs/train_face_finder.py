"""Trains the animal-face finder that `kerasgan.photos.find_face_square` ships with.

A 3-class window classifier (background / cat face / dog face) at 48x48 px,
trained on the **train** splits only:

- cat and dog faces: `animal_faces/train` (aligned AFHQ cats, DogFaceNet dogs),
  jittered a little (scale 0.94-1.14, shift up to 5 % of the side, flips) over
  a background crop;
- background: random square crops of scenes (`sr/train` T91 and BSD200) and of
  the full-scene Kaggle *train* photos (`cats_dogs/train`, which also hold
  faces at random framings), and faces framed wrongly -- zoomed in (a part of
  the face), zoomed out (a small face on a background) and shifted by 30-55 %
  of the side -- so that the finder prefers the aligned framing.

With `--mined JSON` (written by `mine_face_finder.py` from a first-round
finder on Kaggle *train* photos), those labelled real-photo windows are added
too, each `--mined-repeats` times with a little jitter: the second round of
bootstrapping, which teaches the finder the chests, cages and fences it took
for faces.

The last 10 % of each source (sorted by file name) is held out and reported.
Writes `<out>/face_finder.weights.h5` and `<out>/face_finder.json` (accuracies,
command, sha256).

Example:
    python zoo/cyclegan_cats2dogs/train_face_finder.py --out runs/face_finder
    cp runs/face_finder/face_finder.weights.h5 kerasgan/photos/weights/
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "..", "shared", "data")


def _images(folder: str) -> list[str]:
    from kerasgan.data.image_folder import list_images

    return sorted(list_images(folder))


def _load(path: str, short: int | None = None) -> np.ndarray:
    with Image.open(path) as im:
        im = im.convert("RGB")
        if short and min(im.size) > short:
            f = short / min(im.size)
            im = im.resize((max(1, round(im.size[0] * f)), max(1, round(im.size[1] * f))),
                           Image.BILINEAR)
        return np.asarray(im)


def _split(items: list, held_out: float = 0.1) -> tuple[list, list]:
    n = min(int(round(len(items) * (1 - held_out))), len(items) - 1)
    if n < 1:
        raise ValueError(f"Need at least 2 files per source to hold some out; received {items}.")
    return items[:n], items[n:]


def _resize(a: np.ndarray, side: int) -> np.ndarray:
    return np.asarray(Image.fromarray(a).resize((side, side), Image.BILINEAR))


def scene_crop(rng: np.random.Generator, scenes: list, size: int) -> np.ndarray:
    """A random square crop (0.15-1 of the shorter side) of a random scene, at `size`."""
    img = scenes[rng.integers(len(scenes))]
    h, w = img.shape[:2]
    side = max(8, int(min(h, w) * rng.uniform(0.15, 1.0)))
    top, left = rng.integers(h - side + 1), rng.integers(w - side + 1)
    crop = img[top:top + side, left:left + side]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return _resize(np.ascontiguousarray(crop), size)


def place(face: np.ndarray, background: np.ndarray, scale: float, dx: float,
          dy: float) -> np.ndarray:
    """`face` scaled by `scale` of the canvas side, centred `(dx, dy)` sides off centre, over `background`.

    Its edges are faded in over 2 pixels.
    """
    size = background.shape[0]
    fs = max(2, int(round(size * scale)))
    f = _resize(face, fs).astype("float32")
    ramp = np.minimum(1.0, (np.minimum(np.arange(fs), np.arange(fs)[::-1]) + 0.5) / 2.0)
    alpha = np.minimum(ramp[:, None], ramp[None, :])[..., None]
    out = background.astype("float32")
    top = int(round(size / 2 + dy * size - fs / 2))
    left = int(round(size / 2 + dx * size - fs / 2))
    t0, l0 = max(0, top), max(0, left)
    t1, l1 = min(size, top + fs), min(size, left + fs)
    if t1 > t0 and l1 > l0:
        fa = f[t0 - top:t1 - top, l0 - left:l1 - left]
        aa = alpha[t0 - top:t1 - top, l0 - left:l1 - left]
        out[t0:t1, l0:l1] = aa * fa + (1 - aa) * out[t0:t1, l0:l1]
    return np.clip(np.round(out), 0, 255).astype("uint8")


def make_examples(faces: dict, scenes: list, count: int, size: int,
                  seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` windows with labels (0 background, 1 cat, 2 dog), about 45 % faces.

    Args:
        faces: `{"cat": [arrays], "dog": [arrays]}` aligned face crops.
        scenes: Scene photos (arrays) for backgrounds and background windows.
        count: How many examples.
        size: Window side.
        seed: Random seed.
    """
    rng = np.random.default_rng(seed)
    x = np.empty((count, size, size, 3), "uint8")
    y = np.empty(count, "int32")
    for i in range(count):
        r = rng.random()
        label = 0
        if r < 0.25:
            x[i] = scene_crop(rng, scenes, size)
        else:
            animal = "cat" if rng.random() < 0.5 else "dog"
            face = faces[animal][rng.integers(len(faces[animal]))]
            if rng.random() < 0.5:
                face = face[:, ::-1]
            bg = scene_crop(rng, scenes, size)
            if r < 0.70:  # framed as the aligned faces
                label = 1 if animal == "cat" else 2
                x[i] = place(face, bg, math.exp(rng.uniform(math.log(0.94), math.log(1.14))),
                             rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05))
            elif r < 0.78:  # zoomed in: a part of the face
                n = face.shape[0]
                side = int(n * rng.uniform(0.3, 0.62))
                top, left = rng.integers(n - side + 1), rng.integers(n - side + 1)
                x[i] = _resize(np.ascontiguousarray(face[top:top + side, left:left + side]), size)
            elif r < 0.88:  # zoomed out: a small face
                scale = rng.uniform(0.3, 0.6)
                lim = (1 - scale) / 2
                x[i] = place(face, bg, scale, rng.uniform(-lim, lim), rng.uniform(-lim, lim))
            else:  # shifted off the window
                d, a = rng.uniform(0.3, 0.55), rng.uniform(0, 2 * math.pi)
                x[i] = place(face, bg, rng.uniform(0.8, 1.25), d * math.cos(a), d * math.sin(a))
        y[i] = label
    return x, y


def mined_examples(path: str, data: str, repeats: int, size: int,
                   seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The labelled photo windows of `mine_face_finder.py`, each `repeats` times, jittered.

    Each copy is the square scaled by up to 6 % and shifted by up to 4 % of its
    side (kept inside the photo), flipped at random, resized to `size`.
    """
    from kerasgan.photos.framing import _fit

    with open(path) as f:
        items = json.load(f)["items"]
    rng = np.random.default_rng(seed)
    x = np.empty((len(items) * repeats, size, size, 3), "uint8")
    y = np.empty(len(items) * repeats, "int32")
    photos = {}
    i = 0
    for item in items:
        if item["photo"] not in photos:
            photos[item["photo"]] = _load(os.path.join(data, item["photo"]))
        photo = photos[item["photo"]]
        h, w = photo.shape[:2]
        top, left, side = item["square"]
        for _ in range(repeats):
            s = side * math.exp(rng.uniform(-0.06, 0.06))
            cy = top + side / 2 + rng.uniform(-0.04, 0.04) * side
            cx = left + side / 2 + rng.uniform(-0.04, 0.04) * side
            q = _fit(cy, cx, s, h, w)
            crop = photo[q.top:q.top + q.side, q.left:q.left + q.side]
            if rng.random() < 0.5:
                crop = crop[:, ::-1]
            x[i] = _resize(np.ascontiguousarray(crop), size)
            y[i] = item["label"]
            i += 1
    return x, y


def load_sources(data: str, limit: int | None = None) -> dict:
    """Train/held-out lists of faces and scenes from the shared data folder."""
    out = {}
    for animal in ("cat", "dog"):
        paths = _images(os.path.join(data, "animal_faces", "train", animal))[:limit]
        out[animal] = _split(paths)
    scene_paths = []
    for sub in ("sr/train/T91", "sr/train/BSD200", "cats_dogs/train/cat", "cats_dogs/train/dog"):
        folder = os.path.join(data, sub)
        if os.path.isdir(folder):
            scene_paths.append(_split(_images(folder)[:limit]))
    out["scenes"] = ([p for tr, _ in scene_paths for p in tr],
                     [p for _, ho in scene_paths for p in ho])
    return out


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="runs/face_finder")
    p.add_argument("--data", default=SHARED, help="the shared data folder")
    p.add_argument("--examples", type=int, default=60000, help="training windows")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--mined", default=None,
                   help="labelled photo windows from mine_face_finder.py (second round)")
    p.add_argument("--mined-repeats", type=int, default=8)
    p.add_argument("--limit", type=int, default=None, help="files per source (smoke tests)")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    import keras

    from kerasgan.photos.face_finder import FINDER_CLASSES, FINDER_SIZE, build_face_finder
    from kerasgan.zoo.checksum import sha256_file

    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    start = time.time()
    src = load_sources(args.data, args.limit)
    load = lambda paths, short=None: [_load(p, short) for p in paths]  # noqa: E731
    train_faces = {a: load(src[a][0]) for a in ("cat", "dog")}
    held_faces = {a: load(src[a][1]) for a in ("cat", "dog")}
    train_scenes, held_scenes = load(src["scenes"][0], 320), load(src["scenes"][1], 320)
    x, y = make_examples(train_faces, train_scenes, args.examples, FINDER_SIZE, args.seed)
    xv, yv = make_examples(held_faces, held_scenes, max(min(1000, args.examples), args.examples // 10),
                           FINDER_SIZE, args.seed + 1)
    if args.mined:
        xm, ym = mined_examples(args.mined, args.data, args.mined_repeats, FINDER_SIZE, args.seed)
        print(f"{len(xm)} mined windows ({np.bincount(ym, minlength=3).tolist()} per class)")
        x, y = np.concatenate([x, xm]), np.concatenate([y, ym])
    print(f"{len(x)} training and {len(xv)} held-out windows "
          f"({np.bincount(y, minlength=3).tolist()} per class) in {time.time() - start:.0f} s")
    model = build_face_finder(FINDER_SIZE, args.seed)
    steps = args.epochs * math.ceil(len(x) / args.batch_size)
    model.compile(optimizer=keras.optimizers.Adam(
                      keras.optimizers.schedules.CosineDecay(args.lr, steps)),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs,
                        validation_data=(xv, yv), verbose=2)
    pred = np.argmax(model.predict(xv, batch_size=512, verbose=0), axis=1)
    per_class = {name: float(np.mean(pred[yv == i] == i)) for i, name in enumerate(FINDER_CLASSES)}
    path = os.path.join(args.out, "face_finder.weights.h5")
    model.save_weights(path)
    report = {"command": " ".join(["python", *sys.argv]) if argv is None else argv,
              "held_out_accuracy": float(np.mean(pred == yv)),
              "held_out_accuracy_per_class": per_class,
              "final_loss": float(history.history["loss"][-1]),
              "examples": len(x), "epochs": args.epochs, "seconds": round(time.time() - start),
              "sha256": sha256_file(path)}
    with open(os.path.join(args.out, "face_finder.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
