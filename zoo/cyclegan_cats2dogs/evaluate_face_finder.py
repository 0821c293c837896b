"""Measures the learned face finder on whole photos it never saw (Kaggle *test* cats and dogs).

- **Dogs** (`--dogs DIR`): the finder's dog square in each of the first `--count`
  photos (or none), drawn on the first `--sheet` photos (`dogs_sheet.png`,
  green: the finder's square, orange: the centre square where it found none,
  the dog probability printed under each). With `--model` and
  `--coco-detector`, each photo's framed square is translated dog -> cat at the
  model's size, once with the finder's framing (centre square where it finds
  none) and once with the centre square always, and the COCO detector says how
  many of the regions it calls cat, before and after translation.
- **Cats** (`--cats DIR`): where OpenCV's cascade finds an upright face, the
  IoU of the finder's cat square with the cascade's `face_square` (the framing
  `translate_photo` uses); where the cascade finds none, upright or tilted, the
  finder's squares are drawn (`cats_missed_sheet.png`) to be judged by eye.

Writes `<out>/results.json`.

Example:
    python zoo/cyclegan_cats2dogs/evaluate_face_finder.py --out eval/finder \\
        --dogs ../shared/data/cats_dogs/test/dog --cats ../shared/data/cats_dogs/test/cat \\
        --model cyclegan_cats2dogs --coco-detector package/models/centernet.json
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
from PIL import Image, ImageDraw

from kerasgan.data.image_folder import list_images
from kerasgan.photos import center_square, face_square, find_animal_face, find_tilted_face
from kerasgan.photos.face_finder import find_face_square, load_face_finder
from kerasgan.photos.framing import Square, resize_square


def _photo(path: str) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def _iou(a: Square, b: Square) -> float:
    top, left = max(a.top, b.top), max(a.left, b.left)
    bottom = min(a.top + a.side, b.top + b.side)
    right = min(a.left + a.side, b.left + b.side)
    inter = max(0, bottom - top) * max(0, right - left)
    return inter / (a.side ** 2 + b.side ** 2 - inter)


def sheet(photos: list, squares: list, labels: list, path: str, tile: int = 192,
          ncols: int = 8) -> str:
    """Photos letterboxed to `tile` with their squares drawn (green, or orange for fallback)."""
    rows = (len(photos) + ncols - 1) // ncols
    canvas = Image.new("RGB", (ncols * tile, rows * (tile + 14)), "white")
    draw = ImageDraw.Draw(canvas)
    for i, (photo, (square, found), label) in enumerate(zip(photos, squares, labels)):
        h, w = photo.shape[:2]
        f = tile / max(h, w)
        im = Image.fromarray(photo).resize((max(1, round(w * f)), max(1, round(h * f))))
        x0, y0 = (i % ncols) * tile, (i // ncols) * (tile + 14)
        canvas.paste(im, (x0, y0))
        s = square
        draw.rectangle([x0 + s.left * f, y0 + s.top * f, x0 + (s.left + s.side) * f - 1,
                        y0 + (s.top + s.side) * f - 1],
                       outline=(0, 230, 0) if found else (255, 140, 0), width=3)
        draw.text((x0 + 2, y0 + tile + 1), f"{i + 1}: {label}", fill="black")
    canvas.save(path)
    return path


def measure_dogs(folder: str, count: int, finder, out: str, sheet_count: int,
                 translator=None, coco=None) -> dict:
    from tqdm.auto import tqdm

    paths = sorted(list_images(folder))[:count]
    framed, photos = [], []
    for path in tqdm(paths, desc="find dog faces"):
        photo = _photo(path)
        found = find_face_square(photo, "dog", finder)
        h, w = photo.shape[:2]
        framed.append((found[0] if found else center_square(h, w), found is not None,
                       found[1] if found else None))
        if len(photos) < sheet_count:
            photos.append(photo)
    report = {"photos": len(paths), "found_share": float(np.mean([f[1] for f in framed]))}
    sheet(photos, [(s, f) for s, f, _ in framed[:sheet_count]],
          [f"{p:.2f}" if p is not None else "none" for _, _, p in framed[:sheet_count]],
          os.path.join(out, "dogs_sheet.png"))
    if translator is not None and coco is not None:
        from kerasgan.metrics import coco_class_share

        size = translator.image_size
        finder_regions, centre_regions = [], []
        for path, (square, _, _) in zip(paths, framed):
            photo = _photo(path)
            h, w = photo.shape[:2]
            finder_regions.append(resize_square(photo, square, size))
            centre_regions.append(resize_square(photo, center_square(h, w), size))
        for name, regions in (("finder", np.stack(finder_regions)),
                              ("centre", np.stack(centre_regions))):
            after = translator.translate(regions, direction="b2a", crop="none")
            report[name] = {
                "coco_cat_before": coco_class_share(regions, "cat", ("cat", "dog"), coco).value,
                "coco_cat_after": coco_class_share(after, "cat", ("cat", "dog"), coco).value}
            if name == "finder":
                n = min(16, len(after))
                grid = np.concatenate([np.concatenate(list(regions[:n]), axis=1),
                                       np.concatenate(list(after[:n]), axis=1)], axis=0)
                Image.fromarray(grid).save(os.path.join(out, "dogs_translated.png"))
    return report


def measure_cats(folder: str, count: int, finder, out: str, sheet_count: int) -> dict:
    from tqdm.auto import tqdm

    ious, missed, missed_squares, missed_labels = [], [], [], []
    paths = sorted(list_images(folder))[:count]
    found_by_finder_when_missed = 0
    n_missed = 0
    for path in tqdm(paths, desc="find cat faces"):
        photo = _photo(path)
        h, w = photo.shape[:2]
        found = find_face_square(photo, "cat", finder)
        box = find_animal_face(photo, "cat")
        if box is not None:
            if found is not None:
                ious.append(_iou(found[0], face_square(box, h, w)))
            else:
                ious.append(0.0)
            continue
        if find_tilted_face(photo, "cat") is not None:
            continue
        n_missed += 1
        found_by_finder_when_missed += found is not None
        if len(missed) < sheet_count:
            missed.append(photo)
            missed_squares.append((found[0], True) if found else (center_square(h, w), False))
            missed_labels.append(f"{os.path.basename(path)} {found[1]:.2f}" if found
                                 else os.path.basename(path))
    if missed:
        sheet(missed, missed_squares, missed_labels, os.path.join(out, "cats_missed_sheet.png"))
    ious = np.asarray(ious)
    return {"photos": len(paths), "cascade_upright": int(len(ious)),
            "iou_with_cascade_median": float(np.median(ious)) if len(ious) else None,
            "iou_with_cascade_at_least_0.5": float(np.mean(ious >= 0.5)) if len(ious) else None,
            "cascade_missed": n_missed, "finder_found_when_cascade_missed":
                int(found_by_finder_when_missed)}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="eval/face_finder")
    p.add_argument("--dogs", default=None)
    p.add_argument("--cats", default=None)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--sheet", type=int, default=40)
    p.add_argument("--weights", default=None, help="finder weights (default: the shipped ones)")
    p.add_argument("--model", default=None, help="translator (zoo name, preset folder)")
    p.add_argument("--coco-detector", default=None)
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    start = time.time()
    finder = load_face_finder(args.weights)
    report = {"weights": args.weights or "shipped"}
    if args.dogs:
        translator = coco = None
        if args.model and args.coco_detector:
            from kerasgan import metrics, zoo

            translator, coco = zoo.load(args.model), metrics.CocoCenterNet(args.coco_detector)
        report["dogs"] = measure_dogs(args.dogs, args.count, finder, args.out, args.sheet,
                                      translator, coco)
    if args.cats:
        report["cats"] = measure_cats(args.cats, args.count, finder, args.out, args.sheet)
    report["seconds"] = round(time.time() - start)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
