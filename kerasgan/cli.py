"""The `kerasgan` command line: list, inspect and run the zoo's pretrained models.

```
kerasgan list
kerasgan info srgan_x4
kerasgan generate dcgan_faces --num 64 --seed 0 --output grid.png
kerasgan generate dcgan_faces --num 64 --seed 0 --output-dir faces/
kerasgan translate cyclegan_cats2dogs cat1.jpg cat2.jpg --output-dir out/
kerasgan translate cyclegan_cats2dogs dog.jpg --direction b2a --output-dir out/
kerasgan upscale srgan_x4 photo.png --output-dir out/
```

NAME is a name from `kerasgan list` or a preset folder. `translate` and
`upscale` read any image Pillow reads (folders are expanded to the images in
them) and write `<output-dir>/<input stem>.png`. They call the model's

- `translate(images, direction="a2b"|"b2a")`: uint8 `(1, h, w, 3)` in,
  uint8 `(1, h', w', c)` (or `(h', w', c)`) out;
- `upscale(image)`: uint8 `(h, w, 3)` in, uint8 `(H, W, c)` out.

Images are read by `kerasgan.utils.image_io.read_image` (EXIF rotation,
CMYK/palette/16-bit/transparency converted, first frame of animations; empty,
truncated, non-image and decompression-bomb files refused) and written
atomically, so a failed command leaves no partial file.

Errors are one line on stderr and exit status 1 (2 for bad arguments).
TensorFlow's C++ start-up log lines are hidden unless `--verbose` is given (or
`TF_CPP_MIN_LOG_LEVEL=0`); see `kerasgan.utils.cli_startup`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

IMAGE_TASKS = ("translate", "upscale")


class CLIError(Exception):
    """An error reported to the user as `kerasgan: error: <message>`."""


# --------------------------------------------------------------- parser
def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME",
                        help="model name (see `kerasgan list`) or a preset folder")
    parser.add_argument("--weights-dir", metavar="DIR",
                        help="folder holding the weight files (nothing else is searched)")
    parser.add_argument("--offline", action="store_true", default=None,
                        help="never download (same as KERASGAN_OFFLINE=1)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `kerasgan` and its subcommands."""
    from kerasgan import __version__

    parser = argparse.ArgumentParser(
        prog="kerasgan", description="Generative Adversarial Networks for Keras 3: "
        "run the pretrained models of the kerasgan zoo.",
        epilog="Environment: KERASGAN_HOME (cache, default ~/.keras/kerasgan), "
        "KERASGAN_OFFLINE=1, KERASGAN_ZOO_URL (mirror), KERASGAN_PRESETS_PATH.",
    )
    parser.add_argument("--version", action="version", version=f"kerasgan {__version__}")
    parser.add_argument("--verbose", action="store_true",
                        help="show the backend's start-up log (TensorFlow's C++ messages)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("list", help="list the pretrained models",
                       description="List the pretrained models (name, task, description).")
    p.add_argument("--json", action="store_true", help="print the names as a JSON list")

    p = sub.add_parser("info", help="show a model's card: config, data, licence, metrics, files",
                       description="Show a model's card: architecture, config, training "
                       "data and licence, measured metrics, weight files (size, sha256, "
                       "where they are).")
    p.add_argument("name", metavar="NAME", help="model name or preset folder")
    p.add_argument("--json", action="store_true", help="print the card as JSON")

    p = sub.add_parser("generate", help="sample images from a generative model",
                       description="Sample images from a generative model (e.g. "
                       "dcgan_faces) into one PNG grid or one PNG per image.")
    _add_model_options(p)
    p.add_argument("--num", type=int, default=16, help="number of images (default 16)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed; the same seed gives the same images")
    p.add_argument("--batch-size", type=int, default=64, help="images per forward pass")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--output", metavar="PNG", help="write one grid image")
    out.add_argument("--output-dir", metavar="DIR",
                     help="write one PNG per image (0000.png, 0001.png, ...)")
    p.add_argument("--ncols", type=int, default=None, help="grid columns (default: square)")

    p = sub.add_parser("translate", help="translate images between two domains",
                       description="Translate images with an image-to-image model (e.g. "
                       "cyclegan_cats2dogs); writes OUTPUT_DIR/<input stem>.png.")
    _add_model_options(p)
    p.add_argument("images", metavar="IMG", nargs="+", help="input images or folders")
    p.add_argument("--direction", choices=("a2b", "b2a"), default="a2b",
                   help="a2b (default, e.g. cats to dogs) or b2a")
    p.add_argument("--crop", choices=("face", "center", "whole", "none"), default=None,
                   help="how each image is framed (default: the model's; cyclegan_cats2dogs: "
                        "face): 'face' translates the square around the found face (cats: "
                        "OpenCV's cascade, upright or tilted, then the learned face finder; "
                        "dogs: the learned finder; the centre square when none is found) "
                        "and blends it back; 'whole' "
                        "for inputs that already are face crops; 'none' translates the "
                        "image as it is, at its own size")
    p.add_argument("--blend", choices=("seamless", "poisson", "feather"), default="seamless",
                   help="how a 'face' or 'center' square goes back into the photo: "
                        "'seamless' (default; no visible square: the face keeps the "
                        "translation's colours, its surroundings meet the photo's), "
                        "'poisson' (the face, too, takes on the photo's colours) or "
                        "'feather' (its own colours, faded in)")
    p.add_argument("--output-dir", metavar="DIR", required=True, help="output folder")

    p = sub.add_parser("upscale", help="super-resolve images",
                       description="Upscale images with a super-resolution model (e.g. "
                       "srgan_x4); writes OUTPUT_DIR/<input stem>.png.")
    _add_model_options(p)
    p.add_argument("images", metavar="IMG", nargs="+", help="input images or folders")
    p.add_argument("--output-dir", metavar="DIR", required=True, help="output folder")
    p.add_argument("--self-ensemble", action="store_true",
                   help="average the 8 flips/rotations of each image (8x slower)")

    p = sub.add_parser("export", help="export a model's generator to SavedModel or TFLite",
                       description="Export the generator of a zoo model (or preset folder) "
                       "with a uint8 serving signature: latents in / images out for "
                       "generators, images in / images out for translation and upscaling.")
    _add_model_options(p)
    p.add_argument("--format", choices=("saved_model", "tflite"), default="saved_model")
    p.add_argument("--output", metavar="PATH", required=True,
                   help="SavedModel folder or .tflite file to write")
    p.add_argument("--direction", choices=("a2b", "b2a"), default=None,
                   help="which CycleGAN direction to export (default a2b)")

    p = sub.add_parser("evaluate-sr", help="PSNR/SSIM of a super-resolution model on a benchmark",
                       description="Run a super-resolution model on an HR/ + LR_bicubic_x4/ "
                       "benchmark folder (e.g. Set5) and print PSNR/SSIM on the Y channel "
                       "(the SR papers' protocol), with bicubic upsampling as the baseline.")
    p.add_argument("name", metavar="NAME", help="zoo name, preset folder or .keras file")
    p.add_argument("dataset_dir", metavar="DATASET_DIR", help="folder with HR/ and LR_bicubic_x<s>/")
    p.add_argument("--scale", type=int, default=4)
    p.add_argument("--self-ensemble", action="store_true",
                   help="score the 8-way flip/rotation self-ensemble (8x slower)")

    p = sub.add_parser("save-preset", help="publish a trained .keras model as a preset folder",
                       description="Write a preset folder (preset.json + .weights.h5 with "
                       "sha256) from a model saved with model.save('x.keras'); "
                       "`kerasgan info DIR` and zoo.load(DIR) read it back.")
    p.add_argument("model", metavar="MODEL.keras", help="a saved kerasgan model")
    p.add_argument("directory", metavar="DIR", help="preset folder to write")
    p.add_argument("--metadata", metavar="JSON",
                   help="JSON file of metadata (description, training_data, metrics, recipe, ...)")
    p.add_argument("--base-url", action="append", default=[], metavar="URL",
                   help="zoo base URL the files will be published under (repeatable)")
    p.add_argument("--weights-dtype", choices=("float16",), default=None,
                   help="store weights in float16 (half the size)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing preset.json")
    for p in sub.choices.values():  # --verbose also after the command
        p.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                       help="show the backend's start-up log")
    return parser


# --------------------------------------------------------------- helpers
def _human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def _progress(iterable, total: int, desc: str):
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc=desc, unit="img", file=sys.stderr,
                disable=None if total > 1 else True, leave=False)


def _find_preset_for(name: str, task: str):
    from kerasgan import zoo

    preset = zoo.find_preset(name)
    if preset.task != task:
        able = []
        for other in zoo.list_models():
            try:
                if zoo.find_preset(other).task == task:
                    able.append(other)
            except zoo.ZooError:
                continue
        hint = f" Models that {task}: {', '.join(able)}." if able else ""
        raise CLIError(f"{preset.name} is a {preset.task!r} model and cannot {task}; "
                       f"use `kerasgan {preset.task} {name} ...`.{hint}")
    return preset


def _load(args, task: str):
    from kerasgan import zoo

    preset = _find_preset_for(args.name, task)
    model = zoo.load(args.name, weights_dir=args.weights_dir, offline=args.offline)
    if not callable(getattr(model, task, None)):
        raise CLIError(f"{preset.name} ({type(model).__name__}) has no {task}() method.")
    return model


def _expand_inputs(paths: list[str]) -> list[str]:
    from PIL import Image

    extensions = {ext.lower() for ext in Image.registered_extensions()}
    files, missing = [], []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(os.path.join(path, f) for f in os.listdir(path)
                           if os.path.splitext(f)[1].lower() in extensions
                           and os.path.isfile(os.path.join(path, f)))
            if not found:
                raise CLIError(f"No images in folder {path}.")
            files.extend(found)
        elif os.path.isfile(path):
            files.append(path)
        else:
            missing.append(path)
    if missing:
        raise CLIError(f"No such file: {', '.join(missing)}")
    return files


def _output_paths(inputs: list[str], output_dir: str) -> list[str]:
    outputs, seen = [], {}
    for path in inputs:
        stem = os.path.splitext(os.path.basename(path))[0]
        out = os.path.join(output_dir, stem + ".png")
        if out in seen:
            raise CLIError(f"{seen[out]} and {path} would both be written to {out}; "
                           "rename one of them.")
        seen[out] = path
        outputs.append(out)
    return outputs


def _check_output(result, task: str, model, path: str):
    import numpy as np

    result = np.asarray(result)
    if result.ndim == 4 and result.shape[0] == 1:
        result = result[0]
    if result.ndim != 3 or result.dtype != np.uint8:
        raise CLIError(f"{type(model).__name__}.{task}() returned an array of shape "
                       f"{result.shape} and dtype {result.dtype} for {path}; expected one "
                       "uint8 image (height, width, channels).")
    return result


# --------------------------------------------------------------- commands
def cmd_list(args) -> int:
    from kerasgan import zoo

    names = zoo.list_models()
    if args.json:
        print(json.dumps(names))
        return 0
    if not names:
        print("No pretrained models are installed. Add preset folders with "
              "KERASGAN_PRESETS_PATH.", file=sys.stderr)
        return 0
    rows = []
    for name in names:
        try:
            preset = zoo.find_preset(name)
            rows.append((name, preset.task, preset.spec.get("description", "")))
        except zoo.ZooError as e:
            rows.append((name, "?", f"(invalid preset: {e})"))
    width = max(len(r[0]) for r in rows)
    for name, task, description in rows:
        print(f"{name:<{width}}  {task:<9}  {description}".rstrip())
    return 0


def cmd_info(args) -> int:
    from kerasgan import zoo

    card = zoo.info(args.name)
    if args.json:
        print(json.dumps(card, indent=2))
        return 0
    lines = [f"{card['name']}: {card.get('description', '')}".rstrip(": ")]
    lines.append(f"  task:          {card['task']}")
    lines.append(f"  model class:   {card['model']['class_name']}")
    if card.get("architecture"):
        lines.append(f"  architecture:  {card['architecture']}")
    data = card.get("training_data")
    if isinstance(data, dict):
        lines.append(f"  training data: {data.get('name', '?')} "
                     f"(licence: {data.get('license', 'unknown')})")
        if data.get("url"):
            lines.append(f"                 {data['url']}")
    elif data:
        lines.append(f"  training data: {data}")
    if card.get("recipe"):
        lines.append(f"  recipe:        {card['recipe']}")
    config = card["model"]["config"]
    lines.append("  config:        " + ", ".join(
        f"{k}={v}" for k, v in config.items() if not isinstance(v, dict)))
    lines.append("  metrics:" if card["metrics"] else "  metrics:       none recorded")
    for m in card["metrics"]:
        line = f"    {m.get('name', '?')} = {m.get('value', '?')}"
        if m.get("dataset"):
            line += f" on {m['dataset']}"
        lines.append(line)
        if m.get("command"):
            lines.append(f"      measured with: {m['command']}")
        if m.get("notes"):
            lines.append(f"      notes: {m['notes']}")
    lines.append(f"  weights ({_human_size(card['total_size'])}):")
    for attr, w in card["weights"].items():
        lines.append(f"    {attr}: {w['file']}  {_human_size(w['size'])}  "
                     f"sha256 {w['sha256']}")
        where = w["path"] if w["path"] else f"download to {w['cache_path']}"
        lines.append(f"      {w['status']}: {where}")
        for url in w["download_urls"]:
            lines.append(f"      url: {url}")
    print("\n".join(lines))
    return 0


def cmd_generate(args) -> int:
    from kerasgan.utils.image_io import check_folder_writable, check_writable, write_image
    from kerasgan.utils.images import make_grid

    if args.num < 1:
        raise CLIError(f"--num must be at least 1; received {args.num}.")
    if args.batch_size < 1:
        raise CLIError(f"--batch-size must be at least 1; received {args.batch_size}.")
    if args.output:  # refuse unwritable outputs before any work
        check_writable(args.output)
    else:
        check_folder_writable(args.output_dir)
    model = _load(args, "generate")
    images = model.generate(args.num, seed=args.seed, batch_size=args.batch_size)
    if args.output:
        path = write_image(args.output, make_grid(images, ncols=args.ncols))
        print(f"Wrote a grid of {len(images)} images to {path}")
        return 0
    digits = max(4, len(str(args.num - 1)))
    for i, image in enumerate(_progress(images, len(images), "saving")):
        write_image(os.path.join(args.output_dir, f"{i:0{digits}d}.png"), image)
    print(f"Wrote {len(images)} images to {args.output_dir}")
    return 0


def _run_image_task(args, task: str) -> int:
    from kerasgan.utils.image_io import check_folder_writable, read_image, write_image

    inputs = _expand_inputs(args.images)
    outputs = _output_paths(inputs, args.output_dir)
    check_folder_writable(args.output_dir)  # before loading the model
    model = _load(args, task)
    for src, dst in _progress(zip(inputs, outputs), len(inputs), task):
        image = read_image(src)
        try:
            if task == "translate":
                result = _translate(model, image, args, src)
            else:
                extra = {"self_ensemble": True} if args.self_ensemble else {}
                result = model.upscale(image, **extra)
        except ValueError as e:
            raise CLIError(f"{task} failed on {src}: {e}") from e
        write_image(dst, _check_output(result, task, model, src))
    print(f"Wrote {len(outputs)} image{'s' if len(outputs) != 1 else ''} to {args.output_dir}")
    return 0


def _translate(model, image, args, path: str):
    """One image through `translate_photo` where the model frames photos, else `translate`."""
    if not callable(getattr(model, "translate_photo", None)):
        if args.crop not in (None, "none"):
            raise CLIError(f"{type(model).__name__} cannot frame photos; drop --crop.")
        return model.translate(image[None], direction=args.direction)
    result = model.translate_photo(image, direction=args.direction, crop=args.crop,
                                   warn=False, blend=args.blend)
    if result.note:
        print(f"{path}: {result.note}.", file=sys.stderr)
    return result.image


def cmd_translate(args) -> int:
    return _run_image_task(args, "translate")


def cmd_upscale(args) -> int:
    return _run_image_task(args, "upscale")


def cmd_export(args) -> int:
    from kerasgan.export import export_generator

    from kerasgan import zoo

    model = zoo.load(args.name, weights_dir=args.weights_dir, offline=args.offline)
    path = export_generator(model, args.output, format=args.format, direction=args.direction)
    print(path)
    return 0


def cmd_evaluate_sr(args) -> int:
    from kerasgan.sr import evaluate_sr, format_table

    if not os.path.isdir(args.dataset_dir):
        raise CLIError(f"benchmark folder not found: {args.dataset_dir}")
    results = evaluate_sr(args.name, args.dataset_dir, scale=args.scale, verbose=False,
                          self_ensemble=args.self_ensemble)
    print(format_table(results))
    return 0


def cmd_save_preset(args) -> int:
    import json

    import keras

    from kerasgan import zoo

    if not os.path.isfile(args.model):
        raise CLIError(f"model file not found: {args.model}")
    if not args.model.endswith(".keras"):
        raise CLIError(f"expected a .keras file saved with model.save(); received {args.model}")
    metadata = {}
    if args.metadata:
        try:
            with open(args.metadata, encoding="utf-8") as f:
                metadata = json.load(f)
        except (OSError, ValueError) as e:
            raise CLIError(f"cannot read metadata {args.metadata}: {e}") from e
    model = keras.saving.load_model(args.model, compile=False)
    path = zoo.save_preset(model, args.directory, metadata=metadata,
                           base_urls=args.base_url, overwrite=args.overwrite,
                           weights_dtype=args.weights_dtype)
    print(path)
    return 0


COMMANDS = {"list": cmd_list, "info": cmd_info, "generate": cmd_generate,
            "translate": cmd_translate, "upscale": cmd_upscale,
            "export": cmd_export, "evaluate-sr": cmd_evaluate_sr,
            "save-preset": cmd_save_preset}


def main(argv=None) -> int:
    """Runs `kerasgan`; returns the exit status (0 ok, 1 error, 2 bad arguments).

    Example:
    ```python
    from kerasgan import cli
    cli.main(["generate", "dcgan_faces", "--num", "16", "--seed", "0", "--output", "grid.png"])
    ```
    """
    from kerasgan.utils.image_io import ImageReadError
    from kerasgan.zoo import ZooError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return COMMANDS[args.command](args)
    except (ZooError, CLIError, ImageReadError) as e:
        print(f"kerasgan: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # e.g. an output folder that cannot be written
        print(f"kerasgan: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kerasgan: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
