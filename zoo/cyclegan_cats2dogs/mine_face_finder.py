"""Mines real-photo windows for a second round of `train_face_finder.py` (bootstrapping).

A first-round finder, trained on aligned faces and random backgrounds, takes
chests, fences and cages for faces in real photos. This script runs it on
Kaggle **train** photos (never test) and writes the windows it gets wrong or
right, with labels, to a JSON file that `train_face_finder.py --mined` adds to
its examples:

- **cat photos:** where OpenCV's cascade finds an upright face, its
  `face_square` is a positive (cat) and the finder's best cat windows that do
  not overlap it (IoU < 0.1) are negatives;
- **dog photos:** the finder's best dog window is shown on a sheet
  (`--sheet`), and a person marks the ones not on the dog's face
  (`--wrong 3,7,...`, numbers as on the sheet; `--unsure` leaves photos out). Right ones are positives (dog)
  and the best windows away from them are negatives; wrong ones and the
  windows overlapping them are negatives;
- in every photo, windows the finder calls the other animal (a cat face in a
  dog photo, or a dog face in a cat photo) with probability above 0.5 are
  negatives.

Example:
    python zoo/cyclegan_cats2dogs/mine_face_finder.py --weights runs/ff1/face_finder.weights.h5 \\
        --out runs/mine --sheet                   # look at runs/mine/dogs_sheet.png
    python zoo/cyclegan_cats2dogs/mine_face_finder.py --weights runs/ff1/face_finder.weights.h5 \\
        --out runs/mine --wrong 1,2,4 --write zoo/cyclegan_cats2dogs/face_finder_mined.json
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np
from PIL import Image

from kerasgan.data.image_folder import list_images
from kerasgan.photos import face_square, find_animal_face
from kerasgan.photos.face_finder import FINDER_CLASSES, _iou, face_probabilities, load_face_finder
from kerasgan.photos.framing import Square

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "..", "shared", "data")


def _photo(path: str) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def top_windows(squares: np.ndarray, p: np.ndarray, k: int, least: float,
                away_from=None) -> list:
    """Up to `k` windows with `p >= least`, best first, none overlapping another (IoU >= 0.3)."""
    order = np.argsort(-p)
    keep = []
    for i in order:
        if p[i] < least or len(keep) == k:
            break
        if away_from is not None and _iou(squares[i:i + 1], away_from)[0] >= 0.1:
            continue
        if all(_iou(squares[i:i + 1], squares[j])[0] < 0.3 for j in keep):
            keep.append(i)
    return keep


def scan(paths: list, finder, cache: str) -> dict:
    """Per photo: the finder's windows and probabilities (cached in an .npz per folder)."""
    from tqdm.auto import tqdm

    if os.path.isfile(cache):
        data = np.load(cache, allow_pickle=False)
        return {p: (data[f"s{i}"], data[f"p{i}"]) for i, p in enumerate(paths)}
    out, arrays = {}, {}
    for i, path in enumerate(tqdm(paths, desc=f"scan {os.path.basename(os.path.dirname(paths[0]))}")):
        squares, probs = face_probabilities(_photo(path), finder)
        out[path] = (squares, probs)
        arrays[f"s{i}"], arrays[f"p{i}"] = squares.astype("float32"), probs
    np.savez_compressed(cache, **arrays)
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", required=True, help="first-round finder weights")
    p.add_argument("--out", default="runs/face_finder_mine")
    p.add_argument("--data", default=SHARED)
    p.add_argument("--dogs", type=int, default=120, help="first N Kaggle train dogs")
    p.add_argument("--cats", type=int, default=300, help="first N Kaggle train cats")
    p.add_argument("--sheet", action="store_true", help="draw the dogs' best windows to judge")
    p.add_argument("--wrong", default="", help="sheet numbers of dog windows not on the face")
    p.add_argument("--unsure", default="", help="sheet numbers of dog photos to leave out")
    p.add_argument("--write", default=None, help="the JSON of labelled windows to write")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    finder = load_face_finder(args.weights)
    root = os.path.join(args.data, "cats_dogs", "train")
    dogs = sorted(list_images(os.path.join(root, "dog")))[:args.dogs]
    cats = sorted(list_images(os.path.join(root, "cat")))[:args.cats]
    dog_scan = scan(dogs, finder, os.path.join(args.out, "dogs.npz"))
    cat_scan = scan(cats, finder, os.path.join(args.out, "cats.npz"))
    dog, cat = FINDER_CLASSES.index("dog"), FINDER_CLASSES.index("cat")
    best = {path: int(np.argmax(pr[:, dog])) for path, (sq, pr) in dog_scan.items()}
    if args.sheet:
        import importlib.util

        spec = importlib.util.spec_from_file_location(
            "evaluate_face_finder", os.path.join(HERE, "evaluate_face_finder.py"))
        ev = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(ev)
        for start in range(0, len(dogs), 40):
            chunk = dogs[start:start + 40]
            squares = [(Square(*[int(round(v)) for v in dog_scan[d][0][best[d]]]), True)
                       for d in chunk]
            ev.sheet([_photo(d) for d in chunk], squares,
                     [str(start + i + 1) for i in range(len(chunk))],
                     os.path.join(args.out, f"dogs_sheet_{start // 40 + 1}.png"))
    if not args.write:
        return {}
    wrong = {int(v) for v in args.wrong.split(",") if v.strip()}
    unsure = {int(v) for v in args.unsure.split(",") if v.strip()}
    items = []

    def add(path, square, label, why):
        items.append({"photo": os.path.relpath(path, args.data).replace(os.sep, "/"),
                      "square": [round(float(v), 1) for v in square], "label": label,
                      "why": why})

    for n, path in enumerate(dogs, start=1):
        squares, probs = dog_scan[path]
        b = squares[best[path]]
        if n in unsure:
            continue
        if n in wrong:
            add(path, b, 0, "dog photo: best dog window, not the face")
            for i in top_windows(squares, probs[:, dog], 2, 0.5)[1:]:
                add(path, squares[i], 0, "dog photo: dog window, next to a wrong best")
        else:
            add(path, b, dog, "dog photo: best dog window, on the face")
            for i in top_windows(squares, probs[:, dog], 3, 0.3, away_from=b):
                add(path, squares[i], 0, "dog photo: dog window away from the face")
        for i in top_windows(squares, probs[:, cat], 2, 0.5):
            add(path, squares[i], 0, "dog photo: cat window")
    for path in cats:
        squares, probs = cat_scan[path]
        photo = _photo(path)
        box = find_animal_face(photo, "cat")
        if box is not None:
            f = face_square(box, *photo.shape[:2])
            fs = np.array([f.top, f.left, f.side], "float64")
            add(path, fs, cat, "cat photo: the cascade's face square")
            for i in top_windows(squares, probs[:, cat], 3, 0.3, away_from=fs):
                add(path, squares[i], 0, "cat photo: cat window away from the cascade's face")
        for i in top_windows(squares, probs[:, dog], 2, 0.5):
            add(path, squares[i], 0, "cat photo: dog window")
    report = {"weights": os.path.basename(args.weights), "dogs": len(dogs), "cats": len(cats),
              "wrong": sorted(wrong), "unsure": sorted(unsure), "items": items}
    with open(args.write, "w") as f:
        json.dump(report, f, indent=1)
    counts = np.bincount([it["label"] for it in items], minlength=3).tolist()
    print(f"{len(items)} windows written to {args.write} ({counts} per class)")
    return report


if __name__ == "__main__":
    main()
