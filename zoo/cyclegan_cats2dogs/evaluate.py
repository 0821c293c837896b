"""Measures the `cyclegan_cats2dogs` translator on the held-out test cats and dogs.

Everything the model card reports comes from this script (nothing here was
trained on the test images):

- `before_after.png`: N test cats (row 1), their translations to dogs G(x)
  (row 2) and the cycle reconstructions F(G(x)) (row 3);
  `before_after_dogs.png`: the same for dogs -> cats -> dogs.
- Cycle reconstruction error on every test image, at the model's image size:
  mean absolute error in [0, 255] pixel units and PSNR (dB, mean over images)
  of F(G(x)) vs x (and G(F(y)) vs y).
- KID and FID, per feature extractor, of translated test cats vs real test
  dogs, of *untranslated* test cats vs real test dogs (the baseline a useful
  translation must beat) and of real train dogs vs real test dogs (the floor:
  two real samples of one domain); the same for dogs -> cats. Features are
  extracted once per image set. KID is unbiased; with a few hundred images
  FID is biased upwards (compare FIDs only at equal sample counts).
- Extractors (`--extractor`, repeatable or comma-separated):
  `imagenet`: InceptionV3 with ImageNet weights (Keras cache or
  `--inception-weights PATH`; skipped with a message when missing);
  `inception-random`: InceptionV3 with a fixed random init (only comparable
  with itself); `domain-classifier`: a small cat-vs-dog CNN trained here on
  the train images only (cached as `<out>/domain_classifier.keras`), whose
  penultimate layer gives the features. It also reports its accuracy on the
  real test images and how many translations it classifies as the target
  domain.

Writes `<out>/results.json` and prints markdown tables for the model card.

Example:
    python zoo/cyclegan_cats2dogs/evaluate.py \\
        --model runs/cyclegan_cats2dogs/cyclegan_cats2dogs.keras --out eval/cyclegan_cats2dogs
    python zoo/cyclegan_cats2dogs/evaluate.py --model runs/cyclegan_cats2dogs/preset \\
        --out eval/quick --limit 32 --extractor domain-classifier --classifier-epochs 3
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import time
from typing import Callable, Sequence

import keras
import numpy as np

import kerasgan
from kerasgan import metrics
from kerasgan.data.image_folder import list_images
from kerasgan.utils.images import make_grid, save_image

HERE = os.path.dirname(os.path.abspath(__file__))
# The recipe's data location and centre-crop loader (what the samples use).
_spec = importlib.util.spec_from_file_location("cyclegan_cats2dogs_train",
                                               os.path.join(HERE, "train.py"))
_recipe = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_recipe)
DATA, load_square = _recipe.DATA, _recipe.load_square

EXTRACTORS = ("imagenet", "inception-random", "domain-classifier")
CLASSIFIER_FILE = "domain_classifier.keras"
FID_NOTE = ("FID is biased upwards at small sample counts (here {n} images per set; "
            "InceptionV3 features have 2048 dimensions): compare FIDs only at equal "
            "counts. KID is unbiased.")


# ------------------------------------------------------------------ data
def load_images(folder: str, size: int, limit: int | None = None) -> np.ndarray:
    """uint8 `(N, size, size, 3)` centre crops of a folder's images (sorted, first `limit`)."""
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


# ------------------------------------------------------------------ model
def load_translator(spec: str):
    """A CycleGAN from a `.keras` file, a preset folder or a zoo name."""
    if spec.endswith(".keras"):
        return keras.saving.load_model(spec, compile=False)
    return kerasgan.zoo.load(spec)


def translate(model, images: np.ndarray, direction: str, batch_size: int = 16) -> np.ndarray:
    """`model.translate` in chunks, with a progress bar."""
    from tqdm.auto import tqdm

    out = []
    for start in tqdm(range(0, len(images), batch_size), desc=f"translate {direction}",
                      leave=False):
        out.append(model.translate(images[start:start + batch_size], direction=direction,
                                   batch_size=batch_size))
    return np.concatenate(out)


# ------------------------------------------------------------------ cycle error
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


def get_classifier(out: str, train_dir: str, image_size: int, args) -> tuple[keras.Model, dict]:
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
    cats = resize_images(load_images(os.path.join(train_dir, "cat"), image_size, args.limit), size)
    dogs = resize_images(load_images(os.path.join(train_dir, "dog"), image_size, args.limit), size)
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


def classifier_report(classifier: keras.Model, sets: dict) -> dict:
    """Test accuracy and the fraction of (un)translated images seen as the other domain."""
    cats, dogs = p_dog(classifier, sets["test_cats"]), p_dog(classifier, sets["test_dogs"])
    correct = np.concatenate([cats < 0.5, dogs >= 0.5])
    return {
        "test_accuracy": float(correct.mean()),
        "test_accuracy_cats": float((cats < 0.5).mean()),
        "test_accuracy_dogs": float((dogs >= 0.5).mean()),
        "translated_cats_classified_dog": float((p_dog(classifier, sets["fake_dogs"]) >= 0.5).mean()),
        "untranslated_cats_classified_dog": float((cats >= 0.5).mean()),
        "translated_dogs_classified_cat": float((p_dog(classifier, sets["fake_cats"]) < 0.5).mean()),
        "untranslated_dogs_classified_cat": float((dogs < 0.5).mean()),
        "num_test_cats": int(len(cats)), "num_test_dogs": int(len(dogs)),
    }


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


# ------------------------------------------------------------------ distances
def distance(real: np.ndarray, other: np.ndarray, name: str, seed: int = 0) -> dict:
    """KID (mean ± std over 100 random half-size subsets) and FID between feature sets."""
    subset = max(2, min(1000, len(real) // 2, len(other) // 2))
    kid = metrics.kid_from_features(real, other, num_subsets=100, subset_size=subset,
                                    seed=seed, extractor=name)
    fid = metrics.fid_from_features(real, other, extractor=name)
    return {"kid": kid.value, "kid_std": kid.std, "kid_x1000": 1000 * kid.value,
            "kid_subset_size": subset, "fid": fid.value,
            "num_real": int(len(real)), "num_other": int(len(other))}


COMPARISONS = {
    # direction: (real target set, {row: compared set})
    "cats_to_dogs": ("test_dogs", {"translated": "fake_dogs", "untranslated": "test_cats",
                                   "reference": "ref_dogs"}),
    "dogs_to_cats": ("test_cats", {"translated": "fake_cats", "untranslated": "test_dogs",
                                   "reference": "ref_cats"}),
}


def evaluate_extractor(ext, sets: dict, seed: int = 0) -> dict:
    """Features of every image set once, then every comparison of `COMPARISONS`."""
    feats = {}
    for key, images in sets.items():
        print(f"  {ext.name}: {key} ({len(images)} images)", flush=True)
        feats[key] = metrics.extract_features(images, ext)
    out = {"extractor_name": ext.name, "feature_dim": int(feats["test_dogs"].shape[1])}
    done = {}  # KID and FID are symmetric: "cats vs dogs" is measured once
    for direction, (real, rows) in COMPARISONS.items():
        out[direction] = {}
        for row, key in rows.items():
            pair = frozenset((real, key))
            if pair not in done:
                print(f"  {ext.name}: KID and FID of {key} vs {real}", flush=True)
                done[pair] = distance(feats[real], feats[key], ext.name, seed)
            out[direction][row] = {"compared": key, "against": real, **done[pair]}
    return out


# ------------------------------------------------------------------ report
ROW_LABELS = {
    "cats_to_dogs": {"translated": "G(test cats) vs test dogs",
                     "untranslated": "test cats vs test dogs (baseline)",
                     "reference": "train dogs vs test dogs (floor)"},
    "dogs_to_cats": {"translated": "F(test dogs) vs test cats",
                     "untranslated": "test dogs vs test cats (baseline)",
                     "reference": "train cats vs test cats (floor)"},
}


def markdown(report: dict) -> str:
    """The model-card tables of a results dict."""
    lines = [f"Test set: {report['counts']['test_cats']} cats, {report['counts']['test_dogs']} "
             f"dogs at {report['image_size']}x{report['image_size']}.", "",
             "| Cycle | MAE (0-255) | PSNR (dB) | Images |", "|---|---|---|---|"]
    for key, label in (("cat_dog_cat", "cat → dog → cat"), ("dog_cat_dog", "dog → cat → dog")):
        c = report["cycle"][key]
        lines.append(f"| {label} | {c['mae']:.2f} | {c['psnr_db']:.2f} | {c['num']} |")
    for key, result in report["distances"].items():
        n = result["cats_to_dogs"]["translated"]["num_real"]
        lines += ["", f"Extractor `{key}` ({result['extractor_name']}, "
                  f"{result['feature_dim']}-d):", "",
                  f"| Comparison | KID ×1000 | FID@{n} (biased) |", "|---|---|---|"]
        for direction, rows in ROW_LABELS.items():
            for row, label in rows.items():
                r = result[direction][row]
                lines.append(f"| {label} | {r['kid_x1000']:.2f} ± {1000 * r['kid_std']:.2f} "
                             f"| {r['fid']:.2f} |")
    clf = report.get("domain_classifier")
    if clf:
        lines += ["", "| Domain classifier (trained on the train split) | Fraction |",
                  "|---|---|",
                  f"| accuracy on real test cats + dogs | {clf['test_accuracy']:.3f} |",
                  f"| G(test cats) classified as dog | {clf['translated_cats_classified_dog']:.3f} |",
                  f"| test cats classified as dog (baseline) | "
                  f"{clf['untranslated_cats_classified_dog']:.3f} |",
                  f"| F(test dogs) classified as cat | {clf['translated_dogs_classified_cat']:.3f} |",
                  f"| test dogs classified as cat (baseline) | "
                  f"{clf['untranslated_dogs_classified_cat']:.3f} |"]
    for name, why in report["skipped_extractors"].items():
        lines += ["", f"Skipped extractor `{name}`: {why.split('. ')[0]} (details in "
                  "results.json)."]
    lines += ["", *(f"Note: {n}" for n in report["notes"])]
    return "\n".join(lines)


def save_before_after(path: str, inputs: np.ndarray, translated: np.ndarray,
                      reconstructed: np.ndarray, samples: int) -> str:
    """Rows: inputs, translations, cycle reconstructions (the first `samples`)."""
    k = min(samples, len(inputs))
    rows = np.concatenate([inputs[:k], translated[:k], reconstructed[:k]])
    return save_image(path, make_grid(rows, ncols=k))


# ------------------------------------------------------------------ main
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="cyclegan_cats2dogs",
                   help=".keras file, preset folder or zoo name")
    p.add_argument("--out", default="eval/cyclegan_cats2dogs")
    p.add_argument("--data-test", default=os.path.join(DATA, "test"),
                   help="folder holding cat/ and dog/ (evaluated, never trained on)")
    p.add_argument("--data-train", default=os.path.join(DATA, "train"),
                   help="folder holding cat/ and dog/ (reference sets, domain classifier)")
    p.add_argument("--image-size", type=int, default=None,
                   help="side the test images are loaded at (default: the model's)")
    p.add_argument("--samples", type=int, default=8, help="images per before/after grid")
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
    p.add_argument("--classifier-epochs", type=int, default=15)
    p.add_argument("--classifier-batch-size", type=int, default=32)
    p.add_argument("--classifier-size", type=int, default=64, help="classifier input side")
    p.add_argument("--retrain-classifier", action="store_true",
                   help=f"train a new domain classifier even if <out>/{CLASSIFIER_FILE} exists")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict:
    """Runs the evaluation; returns the results dict (also written to results.json)."""
    args = parse_args(argv)
    extractors = parse_extractors(args.extractor or ["domain-classifier,inception-random"])
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()

    model = load_translator(args.model)
    size = args.image_size or int(model.image_size)
    test_cats = load_images(os.path.join(args.data_test, "cat"), size, args.limit)
    test_dogs = load_images(os.path.join(args.data_test, "dog"), size, args.limit)
    fake_dogs = translate(model, test_cats, "a2b")
    fake_cats = translate(model, test_dogs, "b2a")
    cycled_cats = translate(model, fake_dogs, "b2a")
    cycled_dogs = translate(model, fake_cats, "a2b")
    grids = [save_before_after(os.path.join(args.out, "before_after.png"), test_cats,
                               fake_dogs, cycled_cats, args.samples),
             save_before_after(os.path.join(args.out, "before_after_dogs.png"), test_dogs,
                               fake_cats, cycled_dogs, args.samples)]
    cycle = {"cat_dog_cat": cycle_error(test_cats, cycled_cats),
             "dog_cat_dog": cycle_error(test_dogs, cycled_dogs)}

    def ref_count(test: np.ndarray) -> int:
        n = args.reference_count or len(test)
        return min(n, args.limit) if args.limit else n

    sets = {"test_cats": test_cats, "test_dogs": test_dogs, "fake_dogs": fake_dogs,
            "fake_cats": fake_cats,
            "ref_dogs": load_images(os.path.join(args.data_train, "dog"), size,
                                    ref_count(test_dogs)),
            "ref_cats": load_images(os.path.join(args.data_train, "cat"), size,
                                    ref_count(test_cats))}

    classifier_cache: dict = {}

    def classifier() -> keras.Model:
        if "model" not in classifier_cache:
            clf, info = get_classifier(args.out, args.data_train, size, args)
            classifier_cache.update(model=clf, info=info)
        return classifier_cache["model"]

    distances, skipped = {}, {}
    for name in extractors:
        print(f"Extractor {name}", flush=True)
        try:
            ext = make_extractor(name, args, classifier)
        except metrics.WeightsNotFoundError as e:
            skipped[name] = str(e)
            print(f"SKIPPING extractor {name!r}: {e}", flush=True)
            continue
        distances[name] = evaluate_extractor(ext, sets, args.seed)

    notes = [FID_NOTE.format(n=min(len(v) for v in sets.values())),
             "KID: mean ± std of the unbiased MMD² over 100 random subsets of half the "
             "smaller set; ×1000 in the tables.",
             "Reference (floor) rows compare two real samples of one domain (train vs test)."]
    if "inception-random" in distances:
        notes.append("inception-random features come from a randomly initialised "
                     "InceptionV3: comparable only with other inception-random numbers.")
    report = {
        "model": args.model, "model_class": type(model).__name__, "image_size": size,
        "data_test": os.path.abspath(args.data_test),
        "data_train": os.path.abspath(args.data_train),
        "counts": {key: int(len(value)) for key, value in sets.items()},
        "extractors": list(distances), "skipped_extractors": skipped,
        "cycle": cycle, "distances": distances,
        "images": [os.path.basename(g) for g in grids],
        "notes": notes,
    }
    if classifier_cache:
        info = classifier_cache["info"]
        report["domain_classifier"] = {**classifier_report(classifier_cache["model"], sets),
                                       "training": info}
        notes.append("The domain classifier was trained on the train split (which includes "
                     "the reference images), never on the test images.")
    report["seconds"] = time.time() - t0
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(report, f, indent=2)
    print()
    print(markdown(report))
    print(f"\nWrote {os.path.join(args.out, 'results.json')} and {', '.join(grids)} "
          f"in {report['seconds']:.0f} s")
    return report


if __name__ == "__main__":
    main()
