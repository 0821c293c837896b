"""Writes the shipped `cyclegan_cats2dogs` preset from a trained run.

Loads the `.keras` model saved by `zoo/cyclegan_cats2dogs/train.py`, writes
`kerasgan/zoo/presets/cyclegan_cats2dogs/` (both generators, float16 on disk,
sha256 in `preset.json`), then loads the written preset offline and checks that
it translates a test cat like the float32 model (mean absolute difference
below 1 grey level). With `--results` (the `results.json` of
`zoo/cyclegan_cats2dogs/evaluate.py`, run on the written preset) the measured
metrics go into `preset.json` too.

Example:
    python zoo/cyclegan_cats2dogs/publish.py \\
        --model runs/cyclegan_cats2dogs/cyclegan_cats2dogs.keras --training "..."
    python zoo/cyclegan_cats2dogs/evaluate.py --model cyclegan_cats2dogs --out eval/
    python zoo/cyclegan_cats2dogs/publish.py \\
        --model runs/cyclegan_cats2dogs/cyclegan_cats2dogs.keras --training "..." \\
        --results eval/results.json
"""

import argparse
import glob
import json
import os

import keras
import numpy as np

from kerasgan import zoo

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
TEST = os.path.join(REPO, "..", "shared", "data", "cats_dogs", "test")
COMMAND = ("python zoo/cyclegan_cats2dogs/evaluate.py --model cyclegan_cats2dogs "
           "--out eval/cyclegan_cats2dogs")
DATASET = "cats_dogs/test (200 cats, 200 dogs)"


def metrics_from(results: dict) -> list:
    """The model card's numbers as preset metrics entries."""
    out = []
    clf = results.get("domain_classifier")
    if clf:
        for key, label in (("translated_cats_classified_dog", "G(test cats) classified as dog"),
                           ("untranslated_cats_classified_dog", "test cats classified as dog"),
                           ("translated_dogs_classified_cat", "F(test dogs) classified as cat"),
                           ("test_accuracy", "domain classifier accuracy on test")):
            out.append({"name": label, "value": round(clf[key], 3), "dataset": DATASET,
                        "command": COMMAND,
                        "extractor": "cat-vs-dog CNN trained on the train split"})
    for name, result in results["distances"].items():
        rows = result["cats_to_dogs"]
        for row, label in (("translated", "G(test cats) vs test dogs"),
                           ("untranslated", "test cats vs test dogs")):
            out.append({"name": f"KIDx1000 {label}", "value": round(rows[row]["kid_x1000"], 2),
                        "dataset": DATASET, "command": COMMAND,
                        "extractor": result["extractor_name"]})
    for key, label in (("cat_dog_cat", "cycle MAE cat->dog->cat (0-255)"),
                       ("dog_cat_dog", "cycle MAE dog->cat->dog (0-255)")):
        out.append({"name": label, "value": round(results["cycle"][key]["mae"], 2),
                    "dataset": DATASET, "command": COMMAND})
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help=".keras file written by the recipe")
    p.add_argument("--training", required=True, help="steps / time / hardware note")
    p.add_argument("--results", default=None, help="results.json of evaluate.py")
    p.add_argument("--out", default=None, help="preset folder (default: the shipped one)")
    args = p.parse_args()
    out = args.out or os.path.join(REPO, "kerasgan", "zoo", "presets", "cyclegan_cats2dogs")

    model = keras.saving.load_model(args.model, compile=False)
    recipe = json.load(open(os.path.join(os.path.dirname(args.model), "recipe.json")))
    metadata = {
        "name": "cyclegan_cats2dogs",
        "task": "translate",
        "description": (f"CycleGAN cats (A) <-> dogs (B), trained at {model.image_size}x"
                        f"{model.image_size} on a 2-core CPU; translate any size with "
                        "direction='a2b' (cat to dog) or 'b2a'."),
        "architecture": (f"CycleGAN (Zhu et al. 2017): ResNet generators (ngf="
                         f"{model.generator_width}, {model.num_residual_blocks} residual "
                         f"blocks, {model.generator_ab.count_params():,} parameters each), "
                         f"PatchGAN discriminators (ndf={model.discriminator_width}), LSGAN"),
        "training_data": {"name": "Kaggle cats and dogs, train split (1000 cats, 1000 dogs)",
                          "license": "Kaggle Dogs vs. Cats (Microsoft Asirra): research use"},
        "training": args.training,
        "recipe": "zoo/cyclegan_cats2dogs/train.py",
        "recipe_args": recipe,
    }
    if args.results:
        metadata["metrics"] = metrics_from(json.load(open(args.results)))
    zoo.save_preset(model, out, overwrite=True, weights_dtype="float16", metadata=metadata,
                    weights={"generator_ab": model.generator_ab,
                             "generator_ba": model.generator_ba})

    cat = sorted(glob.glob(os.path.join(TEST, "cat", "*")))[:1]
    if cat:
        from PIL import Image

        image = np.asarray(Image.open(cat[0]).convert("RGB"))
        shipped = zoo.load(out, offline=True).translate(image)
        diff = np.abs(shipped.astype("float32") - model.translate(image)).mean()
        print(f"float16 preset vs float32 model on {os.path.basename(cat[0])}: "
              f"mean |difference| {diff:.3f} grey levels")
        if diff >= 1.0:
            raise SystemExit("the float16 preset translates visibly differently")
    print("wrote", out)


if __name__ == "__main__":
    main()
