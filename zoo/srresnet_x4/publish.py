"""Writes a shipped super-resolution preset (`srresnet_x4` or `srgan_x4`) from a run.

Loads the `.keras` model saved by `zoo/srresnet_x4/train.py` or
`zoo/srgan_x4/train.py`, scores it on Set5 and Set14 with `evaluate_sr`
(PSNR/SSIM on Y, 4-pixel border, PIL bicubic alongside; plain and with the
8-way flip/rotation self-ensemble), writes
`kerasgan/zoo/presets/<name>/` (float32 generator weights with their sha256 and
the metrics), then loads the written preset offline and checks that it
reproduces the Set5 PSNR exactly. The printed tables are the model card's.

Example:
    python zoo/srresnet_x4/publish.py --name srresnet_x4 \
        --model runs/srresnet_x4/srresnet_x4.keras --training "..."
"""

import argparse
import json
import os

import keras

from kerasgan import zoo
from kerasgan.sr import evaluate_sr, format_table

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
BENCH = os.path.join(REPO, "..", "shared", "data", "sr", "benchmark")
# Ledig et al. 2017, Table 2 (trained on 350k ImageNet images; MATLAB bicubic).
PAPER = {"srresnet_x4": {"Set5": (32.05, 0.9019), "Set14": (28.49, 0.8184)},
         "srgan_x4": {"Set5": (29.40, 0.8472), "Set14": (26.02, 0.7397)}}
DESCRIPTION = {
    "srresnet_x4": "SRResNet 4x super-resolution (PSNR-oriented, pixel loss), trained on "
                   "T91 + BSD200 on a 2-core CPU.",
    "srgan_x4": "SRGAN 4x super-resolution (adversarial fine-tuning of srresnet_x4: "
                "sharper texture, lower PSNR), trained on T91 + BSD200 on a 2-core CPU.",
}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--name", required=True, choices=sorted(PAPER))
    p.add_argument("--model", required=True, help=".keras file written by the recipe")
    p.add_argument("--bench", default=BENCH, help="folder with Set5/ and Set14/")
    p.add_argument("--training", required=True, help="training steps / time / hardware note")
    p.add_argument("--out", default=None, help="preset folder (default: the shipped one)")
    args = p.parse_args()
    out = args.out or os.path.join(REPO, "kerasgan", "zoo", "presets", args.name)

    model = keras.saving.load_model(args.model, compile=False)
    recipe = json.load(open(os.path.join(os.path.dirname(args.model), "recipe.json")))
    metrics, tables = [], []
    for ensemble in (False, True):
        for dataset in ("Set5", "Set14"):
            result = evaluate_sr(model, os.path.join(args.bench, dataset), progress=False,
                                 verbose=False, self_ensemble=ensemble)
            tables.append(format_table(result))
            command = f"kerasgan evaluate-sr {args.name} ../shared/data/sr/benchmark/{dataset}"
            command += " --self-ensemble" if ensemble else ""
            for key, label, digits in (("psnr", "PSNR-Y", 2), ("ssim", "SSIM-Y", 4)):
                paper = PAPER[args.name][dataset][0 if key == "psnr" else 1]
                metrics.append({
                    "name": label + (" (x8 self-ensemble)" if ensemble else ""),
                    "value": round(result["mean"][key], digits), "dataset": dataset,
                    "command": command,
                    "bicubic": round(result["mean"][f"bicubic_{key}"], digits),
                    "paper": paper,
                    "paper_source": ("Ledig et al. 2017, Table 2 (single pass; ImageNet "
                                     "training, MATLAB bicubic)"),
                })
    stage = "SRGAN" if args.name == "srgan_x4" else "SRResNet"
    generator = model.generator
    zoo.save_preset(model, out, weights={"generator": generator}, overwrite=True, metadata={
        "name": args.name,
        "task": "upscale",
        "description": DESCRIPTION[args.name],
        "architecture": (f"{stage}: SRResNet generator, {model.num_blocks} residual blocks, "
                         f"width {model.width}, batch_norm={model.batch_norm}, "
                         f"{generator.count_params():,} parameters"),
        "training_data": {"name": "T91 + BSD200 (291 images)",
                          "license": "research use (T91: Yang et al. 2010; BSD: Martin et al. "
                                     "2001)"},
        "training": args.training,
        "recipe": f"zoo/{args.name}/train.py",
        "recipe_args": recipe,
        "metrics": metrics,
    })
    for table in tables:
        print(table)
    check = evaluate_sr(zoo.load(out, offline=True), os.path.join(args.bench, "Set5"),
                        progress=False, verbose=False)["mean"]["psnr"]
    first = metrics[0]["value"]
    if round(check, 2) != first:
        raise SystemExit(f"the written preset scores {check:.4f} dB on Set5, the model {first}")
    print(json.dumps(metrics, indent=1))
    print("wrote", out)


if __name__ == "__main__":
    main()
