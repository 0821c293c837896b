"""Writes the shipped `dcgan_faces` preset from a trained run and its evaluation.

Reads the model saved by `train.py` and the `metrics.json` written by
`evaluate.py`, and writes `kerasgan/zoo/presets/dcgan_faces/` (preset.json +
float16 generator weights with their sha256).

Example:
    python zoo/dcgan_faces/publish.py --model runs/dcgan_faces/dcgan_faces.keras \
        --metrics eval/dcgan_faces/metrics.json --timing "..." 
"""

import argparse
import json
import os

import keras

from kerasgan import zoo

HERE = os.path.dirname(os.path.abspath(__file__))
PRESET_DIR = os.path.join(HERE, "..", "..", "kerasgan", "zoo", "presets", "dcgan_faces")
EVAL_CMD = ("python zoo/dcgan_faces/evaluate.py --model dcgan_faces --num 2000 "
            "--extractor random --image-size 139 --out eval/dcgan_faces")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help=".keras file saved by train.py")
    p.add_argument("--metrics", required=True, help="metrics.json written by evaluate.py")
    p.add_argument("--sampler", choices=("ema", "live"), default="ema",
                   help="which generator to ship")
    p.add_argument("--training", default="", help="training time / hardware note")
    p.add_argument("--out", default=PRESET_DIR)
    args = p.parse_args()

    gan = keras.saving.load_model(args.model, compile=False)
    with open(args.metrics) as f:
        m = json.load(f)
    network = gan.sampler if args.sampler == "ema" else gan.generator
    ext = m["extractor"]
    n = m["num_generated"]
    real_range, train_range = m.get("real_range", ":"), m.get("train_range", ":")
    command = EVAL_CMD
    if real_range != ":":
        command += f" --real-range {real_range} --train-range {train_range}"
    held_out = m.get("real_overlaps_training") is False
    real = (f"celeba-10k faces {real_range} ({'held out from' if held_out else 'seen in'} "
            "training)")
    metrics = [
        {"name": f"FID@{n}", "value": round(m["fid"]["value"], 2), "dataset": real,
         "command": command, "notes": f"feature extractor {ext}; not comparable with published FIDs"},
        {"name": f"KID@{n}", "value": round(m["kid"]["value"], 4), "dataset": real,
         "command": command, "notes": f"feature extractor {ext}; std {m['kid']['std']:.4f}"},
        {"name": "diversity ratio (generated / real)",
         "value": round(m["diversity_generated"] / m["diversity_real"], 3),
         "dataset": real, "command": command,
         "notes": "mean pairwise feature distance, same extractor"},
        {"name": "median nearest-training-face RMS distance (samples / real baseline)",
         "value": round(m["nn_rms_sample_to_train_median"] / m["nn_rms_real_to_other_train_median"], 3),
         "dataset": "celeba-10k", "command": command,
         "notes": "> 1: samples are farther from any training face than real faces are from each other"},
    ]
    if m.get("thumbnail_diversity"):
        metrics.append({"name": "thumbnail diversity ratio (generated / real)",
                        "value": round(m["thumbnail_diversity"]["ratio"], 3), "dataset": real,
                        "command": command,
                        "notes": "mean pairwise distance of 16x16 grey thumbnails"})
    if m.get("precision_recall"):
        pr = m["precision_recall"]["inception"]
        for key in ("precision", "recall"):
            metrics.append({"name": f"{key} (k={pr['k']})", "value": round(pr[key], 3),
                            "dataset": real, "command": command,
                            "notes": f"Kynkaanniemi et al. 2019 on {pr['features']}"})
    if m.get("face_rate"):
        fr = m["face_rate"]
        metrics.append({"name": "face detection rate (generated / real)",
                        "value": round(fr["ratio"], 3), "dataset": real, "command": command,
                        "notes": f"{fr['generated']:.3f} / {fr['real']:.3f}, {fr['detector']}"})
    zoo.save_preset(gan, args.out, weights={"generator": network}, overwrite=True,
                    weights_dtype="float16", metadata={
        "name": "dcgan_faces",
        "task": "generate",
        "description": "DCGAN (Radford et al. 2016) generating 64x64 faces, trained on "
                       "aligned CelebA images on a 2-core CPU.",
        "architecture": f"DCGAN generator, latent {gan.latent_dim}, width {gan.generator_width}, "
                        f"{network.count_params():,} parameters; samples from the "
                        f"{'EMA' if args.sampler == 'ema' else 'live'} generator",
        "training_data": {"name": "CelebA aligned (img_align_celeba ids 000001-010000)",
                          "license": "CelebA: non-commercial research and educational use only",
                          "url": "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html"},
        "training": args.training,
        "metrics": metrics,
        "recipe": "zoo/dcgan_faces/train.py",
        "card": "zoo/dcgan_faces/README.md",
    })
    print(json.dumps(zoo.info(args.out)["metrics"], indent=2))


if __name__ == "__main__":
    main()
